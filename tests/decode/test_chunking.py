"""Long-audio chunking: kept regions tile the output, and stitching matches one pass."""

import torch

from sigasr.transcribe.chunking import SUBSAMPLING, plan_chunks, stitch


def test_kept_regions_tile_the_output_exactly():
    for num_frames in (100, 3000, 3001, 12345):
        chunks = plan_chunks(num_frames, chunk_frames=1000, overlap_frames=200)
        assert chunks[0].keep_from == 0
        assert chunks[-1].keep_to == num_frames // SUBSAMPLING
        assert chunks[-1].end == num_frames
        for a, b in zip(chunks, chunks[1:], strict=False):
            assert a.keep_to == b.keep_from
            assert b.start % SUBSAMPLING == 0
            # every kept frame has at least the overlap of context inside its chunk
            assert b.keep_from * SUBSAMPLING - b.start >= 200


def test_stitch_of_a_local_model_equals_one_pass():
    frames = torch.randn(5000, 3)

    def local_model(x):  # each output frame reads input frames 4t..4t+3, like a frontend
        return x[: x.size(0) // 4 * 4].reshape(-1, 4, 3).sum(1)

    chunks = plan_chunks(frames.size(0), chunk_frames=1200, overlap_frames=160)
    stitched = stitch([(c, local_model(frames[c.start : c.end])) for c in chunks])
    assert torch.allclose(stitched, local_model(frames))
