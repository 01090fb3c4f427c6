"""Word n-gram language models: estimation with KenLM, the LibriSpeech downloads, lexicons."""
