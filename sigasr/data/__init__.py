"""Data pipelines: lhotse manifests, fbank features, SentencePiece tokens, loaders, demo corpus."""
