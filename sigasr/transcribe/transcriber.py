"""Transcribing one audio file with an exported model directory."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import torch
from torch import Tensor

from sigasr.decode.methods import DEFAULT_METHOD, build_decoder
from sigasr.runtime import autocast_for
from sigasr.transcribe.audio import load_audio
from sigasr.transcribe.chunking import SUBSAMPLING, plan_chunks, stitch
from sigasr.transcribe.timestamps import WordTiming, word_timings

FRAME_SECONDS = 0.01  # fbank frame shift


@dataclass
class Transcript:
    path: Path
    text: str
    duration: float
    chunks: int  # 1 when decoded in one pass
    words: list[WordTiming] = field(default_factory=list)


class Transcriber:
    """CTC transcription of whole files of any length.

    Args:
        model: a :class:`~sigasr.CTCModel`, already on ``device``.
        tokenizer: the model's :class:`~sigasr.data.tokenizer.Tokenizer`.
        device: where to run.
        max_one_pass_seconds: longer audio is decoded in overlapping chunks. On CUDA, audio
            up to this length that still runs out of memory falls back to chunks as well.
        chunk_seconds, overlap_seconds: chunk length and the context on each side of a seam.
        word_starts: token ids that begin a word, for ``timestamps`` (see
            :func:`word_start_ids`).
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
        self.max_one_pass_frames = int(max_one_pass_seconds / FRAME_SECONDS)
        self.chunk_frames = int(chunk_seconds / FRAME_SECONDS)
        self.overlap_frames = int(overlap_seconds / FRAME_SECONDS)
        self.word_starts = word_starts or set()
        self.decoder = build_decoder(method, tokenizer, method_options)

    @torch.no_grad()
    def encode(self, features: Tensor) -> Tensor:
        """(T, F) features -> (T', V) log-probabilities on the CPU, in one pass.

        Raises ``torch.OutOfMemoryError`` when the device cannot hold the pass.
        """
        x = features[None].to(self.device)
        lens = torch.tensor([features.size(0)], device=self.device)
        with autocast_for(self.device, "auto"):
            log_probs, out_lens = self.model(x, lens)
        return log_probs[0, : int(out_lens[0])].float().cpu()

    def _encode_chunked(self, features: Tensor) -> tuple[Tensor, int]:
        chunks = plan_chunks(features.size(0), self.chunk_frames, self.overlap_frames)
        pieces = [(c, self.encode(features[c.start : c.end])) for c in chunks]
        return stitch(pieces), len(chunks)

    def log_probs(self, features: Tensor) -> tuple[Tensor, int]:
        """(T', V) log-probabilities of a whole file and the number of chunks used."""
        if features.size(0) <= self.max_one_pass_frames:
            try:
                return self.encode(features), 1
            except torch.OutOfMemoryError:
                torch.cuda.empty_cache()
        return self._encode_chunked(features)

    def transcribe(self, path: str | Path, timestamps: bool = False) -> Transcript:
        from sigasr.data.features import compute_fbank

        samples, rate = load_audio(path)
        features = compute_fbank(samples, rate)
        log_probs, num_chunks = self.log_probs(features)
        tokens = self.decoder(log_probs[None], torch.tensor([log_probs.size(0)]))[0]
        transcript = Transcript(
            Path(path), self.tokenizer.decode(tokens), samples.numel() / rate, num_chunks
        )
        if timestamps:
            transcript.words = word_timings(
                log_probs,
                tokens,
                SUBSAMPLING * FRAME_SECONDS,
                self.word_starts.__contains__,
                self.tokenizer.decode,
            )
        return transcript


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
