"""Training: the loop, checkpoints with exact resume, LR schedule, averaging and DDP setup."""
