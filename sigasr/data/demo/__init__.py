"""The embedded demo corpus: eSpeak NG speech in the LibriSpeech and TED-LIUM v3 layouts."""
