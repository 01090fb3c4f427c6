"""Benchmarks behind `sigasr bench` that need the whole model (the kernels have their own)."""
