"""Averaging the model weights of the last K training checkpoints."""

from __future__ import annotations

from pathlib import Path

import torch
from torch import Tensor

from sigasr.checkpoints.store import CheckpointDir, CheckpointError, load_checkpoint


def average_model_states(paths: list[Path]) -> dict[str, Tensor]:
    """Element-wise mean of the ``model`` states in ``paths``.

    Floating-point tensors are averaged in float64 and cast back; integer buffers (counters)
    are taken from the last checkpoint.
    """
    if not paths:
        raise CheckpointError("no checkpoints to average")
    states = [load_checkpoint(p)["model"] for p in paths]
    reference_keys = set(states[-1])
    for path, state in zip(paths, states, strict=True):
        if set(state) != reference_keys:
            raise CheckpointError(f"{path}: its model weights differ in keys from {paths[-1]}")
    averaged = {}
    for key, last in states[-1].items():
        if last.is_floating_point():
            total = torch.zeros_like(last, dtype=torch.float64)
            for state in states:
                total += state[key].to(torch.float64)
            averaged[key] = (total / len(states)).to(last.dtype)
        else:
            averaged[key] = last.clone()
    return averaged


def averaged_model_state(exp_dir: str | Path, avg: int) -> tuple[dict[str, Tensor], list[Path]]:
    """The average of the last ``avg`` checkpoints of ``exp_dir``, and the files it used.

    Fewer than ``avg`` checkpoints is an error naming the directory, not a smaller average.
    Safe while ``sigasr train`` writes the experiment: checkpoints appear by atomic rename
    and carry a checksum, so only complete ones are read; one that the run prunes
    (``train.keep_last``) between listing and reading makes the listing start again.
    """
    if avg < 1:
        raise CheckpointError(f"--avg must be at least 1, got {avg}")
    ckpt_dir = Path(exp_dir) / "checkpoints"
    for _ in range(_LISTINGS):
        paths = CheckpointDir(ckpt_dir).paths()
        if not paths:
            raise CheckpointError(f"{ckpt_dir}: no checkpoints (ckpt-<step>.pt); train first")
        if len(paths) < avg:
            raise CheckpointError(
                f"{ckpt_dir}: asked to average {avg} checkpoints, only {len(paths)} exist "
                f"({', '.join(p.name for p in paths)}); train longer or lower --avg / decode.avg"
            )
        chosen = paths[-avg:]
        try:
            return average_model_states(chosen), chosen
        except CheckpointError:
            if all(path.exists() for path in chosen):
                raise
    raise CheckpointError(f"{ckpt_dir}: checkpoints kept disappearing while being read")


_LISTINGS = 5  # a listing is redone when training prunes a listed checkpoint before it is read
