"""Decoding: greedy CTC search, WER scoring with result files, and bucket plots."""
