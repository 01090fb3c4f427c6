"""The benchmarks behind `sigasr bench`: attention kernels, a training step, one-pass decoding."""
