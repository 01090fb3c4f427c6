"""Running a CTC model over an evaluation loader: hypotheses, references and timing."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import torch
from torch import Tensor
from tqdm import tqdm

from sigasr.ctc import ctc_loss, greedy_ctc
from sigasr.data.features import BatchFbank
from sigasr.decode.chunking import encode_chunked
from sigasr.decode.methods import Decoder
from sigasr.decode.timing import PhaseTimes
from sigasr.runtime import autocast_for
from sigasr.startup import report_first


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
    times: PhaseTimes | None = None  # loading+features, forward, search (and loss)
    # with keep_emissions: per batch, (B, T, V) float32 log-probabilities and (B,) lengths
    emissions: list[tuple[Tensor, Tensor]] = field(default_factory=list)

    @property
    def rtfx(self) -> float:
        """Audio seconds decoded per wall-clock second."""
        return self.audio_seconds / max(self.wall_seconds, 1e-9)

    def sort_as(self, cut_ids: list[str]) -> None:
        """Puts the utterances in the order of ``cut_ids`` (a superset of :attr:`cut_ids`)."""
        rank = {cut_id: i for i, cut_id in enumerate(cut_ids)}
        order = sorted(range(len(self.cut_ids)), key=lambda i: rank[self.cut_ids[i]])
        self.cut_ids = [self.cut_ids[i] for i in order]
        self.refs = [self.refs[i] for i in order]
        self.hyps = [self.hyps[i] for i in order]


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
    total: int | None = None,
    keep_emissions: bool = False,
    chunking: tuple[int, int] | None = None,
) -> Recognition:
    """Decodes every batch of ``loader`` with ``model`` (put in eval mode) and ``decoder``
    (a method of :data:`sigasr.decode.methods.METHODS`; greedy by default).

    With ``with_loss`` the CTC loss against the tokenized references is summed as well.
    Batches of audio (``AsrDataset(audio=True)``) get their fbank on ``device``
    (:class:`~sigasr.data.features.BatchFbank`). ``result.times`` holds the seconds per phase.
    ``total``, the number of utterances ``loader`` holds, gives the progress bar its end and ETA.
    With ``keep_emissions`` the log-probabilities are kept on the CPU.
    ``chunking`` = (chunk, overlap) in feature frames runs the model over overlapping chunks
    of each utterance (:func:`~sigasr.decode.chunking.encode_chunked`) instead of one pass.
    """
    model.eval()
    result = Recognition(times=PhaseTimes(device))
    timed = result.times
    fbank = None
    start = time.perf_counter()
    bar = tqdm(total=total, desc=desc, unit="utt", disable=not show_progress, leave=False)
    batches = iter(loader)
    while True:
        with timed("loading+features"):
            batch = next(batches, None)
            if batch is None:
                break
            if "audio" in batch:
                fbank = fbank or BatchFbank(device)
                features, feature_lens = fbank(batch["audio"], batch["audio_lens"])
            else:
                features = batch["features"].to(device, non_blocking=True)
                feature_lens = batch["feature_lens"].to(device)
        with timed("forward"), autocast_for(device, amp):
            if chunking is None:
                log_probs, out_lens = model(features, feature_lens)
            else:
                log_probs, out_lens = encode_chunked(model, features, feature_lens, *chunking)
        if with_loss:
            with timed("loss"):
                tokens = batch.get("tokens") or [tokenizer.encode(t) for t in batch["texts"]]
                loss, n = ctc_loss(log_probs.float(), out_lens, tokens)
                if torch.isfinite(loss):
                    result.loss_sum += float(loss)
                    result.loss_tokens += n
        with timed("search"):
            result.hyps += [tokenizer.decode(ids) for ids in decoder(log_probs, out_lens)]
        report_first("first decoded batch", tqdm.write)
        if keep_emissions:
            result.emissions.append((log_probs.float().cpu(), out_lens.cpu()))
        result.refs += list(batch["texts"])
        result.cut_ids += list(batch["cut_ids"])
        result.audio_seconds += float(sum(batch["durations"]))
        bar.update(len(batch["cut_ids"]))
    bar.close()
    result.wall_seconds = time.perf_counter() - start
    return result
