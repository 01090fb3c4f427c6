"""Transcribing audio files with an exported model: loading, long-audio chunking, timestamps."""
