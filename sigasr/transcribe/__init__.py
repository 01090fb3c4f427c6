"""Transcribing recordings with an exported model: inputs (files, folders, manifests), audio
checks, batching by duration, memory estimates, long-audio chunking, word timings and
confidences, output formats and writers."""
