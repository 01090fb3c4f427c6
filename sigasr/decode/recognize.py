"""Running a CTC model over an evaluation loader: hypotheses, references and timing.

Batches go through a pipeline one batch deep: the device work of batch i (features, forward,
loss, the device part of the search and non-blocking copies of its outputs to the host) is
queued before the host finishes batch i-1 (the host part of the search, references) and
loads batch i+1, so the GPU runs while the host works.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import torch
from torch import Tensor
from tqdm import tqdm

from sigasr.ctc import best_path, ctc_loss, greedy_ctc, kept_tokens
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
    times: PhaseTimes | None = None  # device phases and host phases, in seconds
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

    Greedy search runs its best path on ``device``; any other decoder gets (B, T, V) float32
    log-probabilities and (B,) lengths on the CPU. Results are in the loader's order.
    """
    model.eval()
    result = Recognition(times=PhaseTimes(device))
    bar = tqdm(total=total, desc=desc, unit="utt", disable=not show_progress, leave=False)
    runner = _Runner(model, tokenizer, device, amp, with_loss, decoder, keep_emissions, chunking)
    start = time.perf_counter()
    in_flight = None
    for batch in _waited(loader, result.times):
        queued = runner.launch(batch, result.times)
        if in_flight is not None:
            runner.finish(in_flight, result, bar)
        in_flight = queued
    if in_flight is not None:
        runner.finish(in_flight, result, bar)
    bar.close()
    result.wall_seconds = time.perf_counter() - start
    return result


def _waited(loader, times: PhaseTimes):
    """The batches of ``loader``, the wait for each timed as the host phase "loader wait"."""
    batches = iter(loader)
    while True:
        with times.host("loader wait"):
            batch = next(batches, None)
        if batch is None:
            return
        yield batch


@dataclass
class _InFlight:
    """A batch whose device work is queued: its host part reads these once ``ready`` is done."""

    batch: dict
    ready: torch.cuda.Event | None  # recorded after the copies to the host; None on the CPU
    best: tuple[Tensor, Tensor] | None  # greedy: best path, keep mask (B, T) on the CPU
    emissions: tuple[Tensor, Tensor] | None  # (B, T, V) float32, (B,) lengths on the CPU
    loss: Tensor | None  # with_loss: summed loss, a CPU scalar
    loss_tokens: int


@dataclass
class _Runner:
    """The two halves of decoding a batch: :meth:`launch` queues the device work without
    waiting for it, :meth:`finish` turns its copied outputs into results on the host."""

    model: torch.nn.Module
    tokenizer: object
    device: torch.device
    amp: str
    with_loss: bool
    decoder: Decoder
    keep_emissions: bool
    chunking: tuple[int, int] | None
    fbank: BatchFbank | None = None

    def launch(self, batch: dict, times: PhaseTimes) -> _InFlight:
        """Queues features, forward, loss, the greedy best path and non-blocking copies of
        what :meth:`finish` reads; waits for none of it (the model and
        :func:`~sigasr.ctc.ctc_loss` may read lengths back themselves)."""
        device = self.device
        with times.gpu("features"):
            if "audio" in batch:
                self.fbank = self.fbank or BatchFbank(device)
                features, feature_lens = self.fbank(batch["audio"], batch["audio_lens"])
            else:
                features = batch["features"].to(device, non_blocking=True)
                feature_lens = batch["feature_lens"]  # the encoder checks them on the CPU
        with times.gpu("forward"), autocast_for(device, self.amp):
            log_probs, out_lens = encode(self.model, features, feature_lens, self.chunking)
        loss, loss_tokens = None, 0
        if self.with_loss:
            with times.gpu("loss"):
                tokens = batch.get("tokens") or [self.tokenizer.encode(t) for t in batch["texts"]]
                loss, loss_tokens = ctc_loss(log_probs.float(), out_lens, tokens)
        greedy = self.decoder is greedy_ctc
        best = None
        if greedy:
            with times.gpu("search"):
                best = best_path(log_probs, out_lens)
        with times.gpu("copy to host"):
            if best is not None:
                best = (_to_host(best[0]), _to_host(best[1]))
            emissions = None
            if self.keep_emissions or not greedy:
                emissions = (_to_host(log_probs.float()), _to_host(out_lens))
            if loss is not None:
                loss = _to_host(loss)
            ready = None
            if device.type == "cuda":
                ready = torch.cuda.Event()
                ready.record()
        return _InFlight(batch, ready, best, emissions, loss, loss_tokens)

    def finish(self, queued: _InFlight, result: Recognition, bar: tqdm) -> None:
        """Waits for ``queued``'s copies, then appends its hypotheses, references, cut ids,
        emissions and loss to ``result``."""
        times, batch = result.times, queued.batch
        if queued.ready is not None:
            with times.host("device wait"):
                queued.ready.synchronize()
        with times.host("search"):
            if queued.best is not None:
                ids = kept_tokens(*queued.best)
            else:
                ids = self.decoder(*queued.emissions)
            result.hyps += [self.tokenizer.decode(t) for t in ids]
        report_first("first decoded batch", tqdm.write)
        if queued.loss is not None and torch.isfinite(queued.loss):
            result.loss_sum += float(queued.loss)
            result.loss_tokens += queued.loss_tokens
        if self.keep_emissions:
            result.emissions.append(queued.emissions)
        result.refs += list(batch["texts"])
        result.cut_ids += list(batch["cut_ids"])
        result.audio_seconds += float(sum(batch["durations"]))
        bar.update(len(batch["cut_ids"]))


def encode(model, features: Tensor, feature_lens, chunking: tuple[int, int] | None):
    """``model(features, feature_lens)``: (B, T', V) log-probabilities and (B,) lengths; in
    overlapping chunks of each utterance when ``chunking`` = (chunk, overlap) frames is given
    (:func:`~sigasr.decode.chunking.encode_chunked`)."""
    if chunking is None:
        return model(features, feature_lens)
    return encode_chunked(model, features, feature_lens, *chunking)


def _to_host(tensor: Tensor) -> Tensor:
    """A copy of ``tensor`` in pinned host memory, queued on the current stream (``tensor``
    itself on the CPU); read it only after an event recorded later has completed."""
    return tensor.to("cpu", non_blocking=True)
