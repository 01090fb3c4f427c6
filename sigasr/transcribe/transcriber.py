"""Transcribing recordings with an exported model: alone or in padded batches, long ones in chunks."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import torch
from torch import Tensor

from sigasr.decode.chunking import FRAME_SECONDS, SUBSAMPLING, plan_chunks, stitch
from sigasr.decode.methods import DEFAULT_METHOD, build_decoder
from sigasr.runtime import autocast_for
from sigasr.transcribe.audio import AudioError, check_finite, is_silent
from sigasr.transcribe.bandwidth import bandwidth_warning
from sigasr.transcribe.inputs import AudioSource
from sigasr.transcribe.memory import USABLE_FRACTION, free_bytes, gib, one_pass_bytes
from sigasr.transcribe.timestamps import WordTiming, word_timings


@dataclass
class Transcript:
    """What one recording gave: its text, its words (with times and confidences) and any
    warnings about its audio."""

    name: str
    text: str
    duration: float
    chunks: int  # 1 when decoded in one pass, 0 when there was nothing to decode (silence)
    words: list[WordTiming] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass
class Prepared:
    """A recording read, checked and turned into (T, 80) features (None for silence)."""

    name: str
    duration: float
    features: Tensor | None
    warnings: list[str]


class Transcriber:
    """CTC transcription of recordings of any length.

    Args:
        model: a :class:`~sigasr.CTCModel`, already on ``device``.
        tokenizer: the model's :class:`~sigasr.data.tokenizer.Tokenizer`.
        device: where to run.
        max_one_pass_seconds: longer audio is decoded in overlapping chunks, and so is shorter
            audio whose one pass the memory estimate (:mod:`sigasr.transcribe.memory`) does
            not fit in the free memory. On CUDA, a one pass that still runs out of memory
            falls back to chunks as well.
        chunk_seconds, overlap_seconds: chunk length and the context on each side of a seam.
        word_starts: token ids that begin a word (see :func:`word_start_ids`); words, their
            times and confidences are computed when given.
        method, method_options: the decode method (:data:`sigasr.decode.methods.METHODS`)
            and its parsed options (default: the method's defaults).
    """

    def __init__(
        self,
        model,
        tokenizer,
        device: torch.device,
        max_one_pass_seconds: float,
        chunk_seconds: float = 30.0,
        overlap_seconds: float = 4.0,
        word_starts: set[int] | None = None,
        method: str = DEFAULT_METHOD,
        method_options=None,
    ):
        self.model = model.eval()
        self.tokenizer = tokenizer
        self.device = device
        self.max_one_pass_seconds = max_one_pass_seconds
        self.chunk_frames = int(chunk_seconds / FRAME_SECONDS)
        self.overlap_frames = int(overlap_seconds / FRAME_SECONDS)
        self.word_starts = word_starts
        self.decoder = build_decoder(method, tokenizer, method_options)
        self.min_seconds = self._min_seconds()

    def _min_seconds(self) -> float:
        frames = 1
        while self.model.frames_after_subsampling(frames) < 1:
            frames += 1
        return 0.025 + (frames - 1) * FRAME_SECONDS  # a 25 ms window every 10 ms

    def fits(self, batch: int, seconds: float) -> bool:
        """Whether one pass over ``batch`` sequences of ``seconds`` fits in free memory."""
        need = one_pass_bytes(self.model.cfg, batch, int(seconds / FRAME_SECONDS), self.device)
        return need <= USABLE_FRACTION * free_bytes(self.device)

    def prepare(self, source: AudioSource) -> Prepared:
        """Reads and checks ``source``; raises :class:`AudioError` naming it when unusable.

        Refused: unreadable or empty audio, NaN or infinite samples, audio shorter than the
        model's shortest input. Digital silence gets no features (its transcript is empty);
        audio narrower in band than the model's gets a warning.
        """
        from sigasr.data.features import compute_fbank

        samples, rate = source.load()
        check_finite(source.name, samples, rate)
        duration = samples.numel() / rate
        if duration < self.min_seconds:
            raise AudioError(
                f"{source.name}: {duration:.3f} s is too short; the model needs at least "
                f"{self.min_seconds:.3f} s"
            )
        if is_silent(samples):
            return Prepared(source.name, duration, None, ["digital silence: nothing to transcribe"])
        warning = bandwidth_warning(samples, rate)
        features = compute_fbank(samples, rate)
        return Prepared(source.name, duration, features, [warning] if warning else [])

    @torch.no_grad()
    def encode_batch(self, features: list[Tensor]) -> list[Tensor]:
        """(T_i, F) features -> (T'_i, V) log-probabilities on the CPU, in one padded pass.

        Raises ``torch.OutOfMemoryError`` when the device cannot hold the pass.
        """
        lens = torch.tensor([f.size(0) for f in features])
        x = torch.nn.utils.rnn.pad_sequence(features, batch_first=True).to(self.device)
        with autocast_for(self.device, "auto"):
            log_probs, out_lens = self.model(x, lens)  # lengths checked on the CPU
        log_probs = log_probs.float().cpu()
        return [lp[: int(n)] for lp, n in zip(log_probs, out_lens.cpu(), strict=True)]

    def encode(self, features: Tensor) -> Tensor:
        """(T, F) features -> (T', V) log-probabilities on the CPU, in one pass."""
        return self.encode_batch([features])[0]

    def _encode_chunked(self, features: Tensor) -> tuple[Tensor, int]:
        chunks = plan_chunks(features.size(0), self.chunk_frames, self.overlap_frames)
        pieces = [(c, self.encode(features[c.start : c.end])) for c in chunks]
        return stitch(pieces), len(chunks)

    def log_probs(self, features: Tensor, name: str = "audio") -> tuple[Tensor, int]:
        """(T', V) log-probabilities of a whole recording and the number of chunks used.

        One pass when the recording is at most ``max_one_pass_seconds`` long and the memory
        estimate fits; chunks otherwise. Raises :class:`AudioError` naming ``name`` when even
        one chunk does not fit.
        """
        seconds = features.size(0) * FRAME_SECONDS
        if seconds <= self.max_one_pass_seconds and self.fits(1, seconds):
            try:
                return self.encode(features), 1
            except torch.OutOfMemoryError:
                torch.cuda.empty_cache()
        chunk_seconds = min(features.size(0), self.chunk_frames) * FRAME_SECONDS
        if not self.fits(1, chunk_seconds):
            need = one_pass_bytes(
                self.model.cfg, 1, int(chunk_seconds / FRAME_SECONDS), self.device
            )
            raise AudioError(
                f"{name}: a {chunk_seconds:g} s chunk needs about {gib(need)} on "
                f"{self.device.type}, but {gib(free_bytes(self.device))} is free; "
                "use a smaller --chunk-seconds"
            )
        return self._encode_chunked(features)

    def transcribe_prepared(self, items: list[Prepared]) -> list[Transcript]:
        """Transcripts of ``items``: one padded pass over those :meth:`fits` allows together
        and within ``max_one_pass_seconds``, :meth:`log_probs` for a single item."""
        speech = [p for p in items if p.features is not None]
        if len(speech) == 1:
            outputs = {id(speech[0]): self.log_probs(speech[0].features, speech[0].name)}
        elif speech:
            try:
                encoded = [(lp, 1) for lp in self.encode_batch([p.features for p in speech])]
            except torch.OutOfMemoryError:  # the estimate was short: one at a time
                torch.cuda.empty_cache()
                encoded = [self.log_probs(p.features, p.name) for p in speech]
            outputs = {id(p): out for p, out in zip(speech, encoded, strict=True)}
        else:
            outputs = {}
        return [self._transcript(p, *outputs.get(id(p), (None, 0))) for p in items]

    def _transcript(self, item: Prepared, log_probs: Tensor | None, chunks: int) -> Transcript:
        result = Transcript(item.name, "", item.duration, chunks, warnings=list(item.warnings))
        if log_probs is None:
            return result
        tokens = self.decoder(log_probs[None], torch.tensor([log_probs.size(0)]))[0]
        result.text = self.tokenizer.decode(tokens).strip()
        if self.word_starts is not None:
            result.words = word_timings(
                log_probs,
                tokens,
                SUBSAMPLING * FRAME_SECONDS,
                self.word_starts.__contains__,
                self.tokenizer.decode,
            )
        return result

    def transcribe(self, source: AudioSource | str | Path) -> Transcript:
        """The transcript of one recording (a source or an audio file path)."""
        if not isinstance(source, AudioSource):
            source = AudioSource(str(source), Path(source).stem, None, path=Path(source))
        return self.transcribe_prepared([self.prepare(source)])[0]


def word_start_ids(tokens_txt: str | Path) -> set[int]:
    """Ids whose SentencePiece piece begins a word (starts with ``▁``), from ``tokens.txt``.

    ``tokens.txt`` has one ``<piece> <id>`` line per token, as ``sigasr prepare tokenizer``
    writes it.
    """
    starts = set()
    for line in Path(tokens_txt).read_text().splitlines():
        piece, _, token = line.rpartition(" ")
        if piece.startswith("\u2581"):
            starts.add(int(token))
    return starts
