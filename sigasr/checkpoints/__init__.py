"""Training checkpoints (written by ``sigasr train``) and the averaging that decode and export use."""
