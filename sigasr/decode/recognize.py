"""Running a CTC model over an evaluation loader: hypotheses, references and timing."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import torch
from torch import Tensor
from tqdm import tqdm

from sigasr.ctc import ctc_loss, greedy_ctc
from sigasr.decode.methods import Decoder
from sigasr.runtime import autocast_for


@dataclass
class Recognition:
    """What a pass over one set produced."""

    cut_ids: list[str] = field(default_factory=list)
    refs: list[str] = field(default_factory=list)
    hyps: list[str] = field(default_factory=list)
    audio_seconds: float = 0.0
    wall_seconds: float = 0.0  # loading and feature extraction included
    loss_sum: float = 0.0
    loss_tokens: int = 0
    # with keep_emissions: per batch, (B, T, V) float32 log-probabilities and (B,) lengths
    emissions: list[tuple[Tensor, Tensor]] = field(default_factory=list)

    @property
    def rtfx(self) -> float:
        """Audio seconds decoded per wall-clock second."""
        return self.audio_seconds / max(self.wall_seconds, 1e-9)


@torch.no_grad()
def recognize(
    model,
    loader,
    tokenizer,
    device: torch.device,
    amp: str = "auto",
    with_loss: bool = False,
    desc: str = "decode",
    show_progress: bool = True,
    decoder: Decoder = greedy_ctc,
    keep_emissions: bool = False,
) -> Recognition:
    """Decodes every batch of ``loader`` with ``model`` (put in eval mode) and ``decoder``
    (a method of :data:`sigasr.decode.methods.METHODS`; greedy by default).

    With ``with_loss`` the CTC loss against the tokenized references is summed as well; with
    ``keep_emissions`` the log-probabilities are kept on the CPU.
    """
    model.eval()
    result = Recognition()
    start = time.perf_counter()
    for batch in tqdm(loader, desc=desc, unit="batch", disable=not show_progress, leave=False):
        features = batch["features"].to(device, non_blocking=True)
        feature_lens = batch["feature_lens"].to(device)
        with autocast_for(device, amp):
            log_probs, out_lens = model(features, feature_lens)
        if with_loss:
            tokens = batch.get("tokens") or [tokenizer.encode(t) for t in batch["texts"]]
            loss, n = ctc_loss(log_probs.float(), out_lens, tokens)
            if torch.isfinite(loss):
                result.loss_sum += float(loss)
                result.loss_tokens += n
        result.hyps += [tokenizer.decode(ids) for ids in decoder(log_probs, out_lens)]
        if keep_emissions:
            result.emissions.append((log_probs.float().cpu(), out_lens.cpu()))
        result.refs += list(batch["texts"])
        result.cut_ids += list(batch["cut_ids"])
        result.audio_seconds += float(sum(batch["durations"]))
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    result.wall_seconds = time.perf_counter() - start
    return result
