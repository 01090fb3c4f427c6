"""CTC: the training loss and greedy (best-path) search."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor


def ctc_loss(
    log_probs: Tensor, out_lens: Tensor, tokens: list[list[int]], blank: int = 0
) -> tuple[Tensor, int]:
    """Summed CTC loss of a batch and its number of target tokens.

    Args:
        log_probs: (B, T', V) float32 log-softmax output of the model.
        out_lens: (B,) valid output frames.
        tokens: B target sequences of ids, none of them ``blank``.

    Returns:
        (loss summed over the batch, total target tokens). Divide the first by the second for
        a per-token loss.
    """
    targets = torch.tensor([t for seq in tokens for t in seq], dtype=torch.long)
    target_lens = torch.tensor([len(seq) for seq in tokens], dtype=torch.long)
    loss = F.ctc_loss(
        log_probs.transpose(0, 1),  # (T', B, V)
        targets.to(log_probs.device, non_blocking=True),
        out_lens,
        target_lens.to(log_probs.device, non_blocking=True),
        blank=blank,
        reduction="sum",
        zero_infinity=False,
    )
    return loss, int(target_lens.sum())


def greedy_ctc(log_probs: Tensor, lengths: Tensor, blank: int = 0) -> list[list[int]]:
    """Best-path CTC decoding of a batch.

    Takes the most likely token per frame, merges runs of the same token, then drops blanks:
    :func:`best_path` on the device of ``log_probs``, then :func:`kept_tokens` on the CPU.

    Args:
        log_probs: (B, T, V) per-frame token scores (log-probabilities or logits).
        lengths: (B,) valid frames per sequence.
        blank: the CTC blank id.

    Returns:
        B lists of token ids, blanks and repeats removed.
    """
    return kept_tokens(*best_path(log_probs, lengths, blank))


def best_path(log_probs: Tensor, lengths: Tensor, blank: int = 0) -> tuple[Tensor, Tensor]:
    """The device part of :func:`greedy_ctc`: no host synchronization.

    Args:
        log_probs: (B, T, V) per-frame token scores.
        lengths: (B,) valid frames per sequence.
        blank: the CTC blank id.

    Returns:
        (best (B, T) int64 most likely token per frame, keep (B, T) bool: the frame starts a
        run of a non-blank token and lies within its sequence's length), on the device of
        ``log_probs``.
    """
    best = log_probs.argmax(dim=-1)  # (B, T)
    new_run = torch.ones_like(best, dtype=torch.bool)
    new_run[:, 1:] = best[:, 1:] != best[:, :-1]
    keep = new_run & (best != blank)
    keep &= torch.arange(best.size(1), device=best.device) < lengths.to(best.device)[:, None]
    return best, keep


def kept_tokens(best: Tensor, keep: Tensor) -> list[list[int]]:
    """The host part of :func:`greedy_ctc`: B lists of the token ids of ``best`` (B, T) where
    ``keep`` (B, T) is set, both copied to the CPU first (a no-op for CPU tensors)."""
    best, keep = best.cpu(), keep.cpu()
    return [row[mask].tolist() for row, mask in zip(best, keep, strict=True)]
