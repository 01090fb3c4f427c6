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
        idx = torch.arange(lo, hi).clamp(max=out.size(0) - 1)
        kept.append(out[idx])
    return torch.cat(kept, dim=0)
