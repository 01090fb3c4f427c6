"""Long audio in overlapping chunks, stitched at the frame level.

Each chunk is run with ``overlap`` frames of context on each side. From every chunk only its
central output frames are kept (the first chunk keeps its start, the last its end), so each
output frame comes from the chunk where it had the most context. The kept frames are
concatenated into one (T', V) sequence and decoded as a whole: a token that straddles a seam
appears in consecutive frames and is merged by the usual CTC collapse, so no word is cut or
doubled at a seam.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from sigasr.errors import UsageError

SUBSAMPLING = 4  # input feature frames per encoder output frame
FRAME_SECONDS = 0.01  # fbank frame shift
MIN_TAIL = 16  # input frames; a chunk ends at the input's end rather than leave fewer


@dataclass(frozen=True)
class Chunk:
    """Input frames [start, end) are encoded; output frames [keep_from, keep_to) are kept.

    Output frame indices are global (input frame ``SUBSAMPLING * i`` starts output frame i).
    """

    start: int
    end: int
    keep_from: int
    keep_to: int


def plan_chunks(num_frames: int, chunk_frames: int, overlap_frames: int) -> list[Chunk]:
    """Chunks covering ``num_frames`` input frames, kept regions tiling the output exactly.

    ``chunk_frames`` and ``overlap_frames`` are rounded down to multiples of the
    subsampling factor so chunk starts align with output frames.
    """
    chunk = chunk_frames - chunk_frames % SUBSAMPLING
    overlap = overlap_frames - overlap_frames % SUBSAMPLING
    if chunk <= 2 * overlap:
        raise UsageError(f"chunk ({chunk} frames) must exceed twice the overlap ({overlap})")
    total_out = num_frames // SUBSAMPLING
    if num_frames <= chunk:
        return [Chunk(0, num_frames, 0, total_out)]
    hop = chunk - 2 * overlap
    chunks = []
    start = 0
    while True:
        end = min(start + chunk, num_frames)
        if num_frames - end < MIN_TAIL:  # a shorter last chunk would be too short to encode
            end = num_frames
        last = end == num_frames
        keep_from = 0 if start == 0 else (start + overlap) // SUBSAMPLING
        keep_to = total_out if last else (end - overlap) // SUBSAMPLING
        chunks.append(Chunk(start, end, keep_from, keep_to))
        if last:
            return chunks
        start += hop


def stitch(pieces: list[tuple[Chunk, Tensor]]) -> Tensor:
    """Concatenates the kept frames of each chunk's (T'_c, V) output into (T', V).

    A chunk's output may be a frame or two shorter than its span (convolution edges); the
    last available frame is repeated to fill the gap.
    """
    kept = []
    for chunk, out in pieces:
        lo = chunk.keep_from - chunk.start // SUBSAMPLING
        hi = chunk.keep_to - chunk.start // SUBSAMPLING
        kept.append(out[lo:hi])
        missing = hi - lo - kept[-1].size(0)
        if missing > 0:
            kept.append(out[-1:].expand(missing, -1))
    return torch.cat(kept, dim=0)


def encode_chunked(
    model, features: Tensor, feature_lens: Tensor, chunk_frames: int, overlap_frames: int
) -> tuple[Tensor, Tensor]:
    """A CTC model's output for each sequence of a batch, computed in overlapping chunks.

    Shapes: features (B, T, F), feature_lens (B,) -> log-probabilities (B, T', V), output
    lengths (B,), as ``model(features, feature_lens)`` returns them. Every chunk of every
    sequence goes through ``model`` in one padded batch; each sequence is then stitched from
    its chunks' kept frames (:func:`stitch`). A sequence of at most ``chunk_frames`` frames
    gets exactly its one-pass output.
    """
    plans = [plan_chunks(int(n), chunk_frames, overlap_frames) for n in feature_lens.tolist()]
    pieces = [features[i, c.start : c.end] for i, chunks in enumerate(plans) for c in chunks]
    piece_lens = torch.tensor([p.size(0) for p in pieces])  # the model moves them
    batch = torch.nn.utils.rnn.pad_sequence(pieces, batch_first=True)
    out, out_lens = model(batch, piece_lens)
    valid = out_lens.tolist()  # one read of the device per batch, not one per chunk
    outputs, k = [], 0
    for chunks in plans:
        if len(chunks) == 1:  # the whole sequence in one pass: its output as it is
            outputs.append(out[k, : valid[k]])
        else:
            kept = [(c, out[k + j, : valid[k + j]]) for j, c in enumerate(chunks)]
            outputs.append(stitch(kept))
        k += len(chunks)
    lens = torch.tensor([o.size(0) for o in outputs]).to(out_lens.device, non_blocking=True)
    return torch.nn.utils.rnn.pad_sequence(outputs, batch_first=True), lens
