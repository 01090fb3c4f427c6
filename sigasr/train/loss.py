"""The CTC training objective."""

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
        targets.to(log_probs.device),
        out_lens,
        target_lens.to(log_probs.device),
        blank=blank,
        reduction="sum",
        zero_infinity=False,
    )
    return loss, int(target_lens.sum())
