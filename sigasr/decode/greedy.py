"""Greedy (best-path) CTC decoding."""

from __future__ import annotations

import torch
from torch import Tensor


def greedy_ctc(log_probs: Tensor, lengths: Tensor, blank: int = 0) -> list[list[int]]:
    """Best-path CTC decoding of a batch.

    Takes the most likely token per frame, merges runs of the same token, then drops blanks.

    Args:
        log_probs: (B, T, V) per-frame token scores (log-probabilities or logits).
        lengths: (B,) valid frames per sequence.
        blank: the CTC blank id.

    Returns:
        B lists of token ids, blanks and repeats removed.
    """
    best = log_probs.argmax(dim=-1)  # (B, T)
    new_run = torch.ones_like(best, dtype=torch.bool)
    new_run[:, 1:] = best[:, 1:] != best[:, :-1]
    keep = new_run & (best != blank)
    keep &= torch.arange(best.size(1), device=best.device) < lengths.to(best.device)[:, None]
    best, keep = best.cpu(), keep.cpu()
    return [row[mask].tolist() for row, mask in zip(best, keep, strict=True)]
