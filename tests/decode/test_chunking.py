"""Long-audio chunking: kept regions tile the output, and stitching matches one pass."""

import torch

from sigasr.decode.chunking import SUBSAMPLING, Chunk, plan_chunks, stitch


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


def test_no_chunk_is_left_too_short_to_encode():
    for num_frames in range(1000, 1100):
        chunks = plan_chunks(num_frames, chunk_frames=200, overlap_frames=0)
        assert min(c.end - c.start for c in chunks) >= 16
        assert chunks[-1].keep_to == num_frames // SUBSAMPLING
        for a, b in zip(chunks, chunks[1:], strict=False):
            assert a.keep_to == b.keep_from


def test_stitch_of_a_local_model_equals_one_pass():
    frames = torch.randn(5000, 3)

    def local_model(x):  # each output frame reads input frames 4t..4t+3, like a frontend
        return x[: x.size(0) // 4 * 4].reshape(-1, 4, 3).sum(1)

    chunks = plan_chunks(frames.size(0), chunk_frames=1200, overlap_frames=160)
    stitched = stitch([(c, local_model(frames[c.start : c.end])) for c in chunks])
    assert torch.allclose(stitched, local_model(frames))


def test_encode_chunked_matches_one_pass_for_a_frame_local_model():
    """A batch of sequences of different lengths, each cut in chunks in one padded batch."""
    from sigasr.decode.chunking import encode_chunked

    def local_model(x, lens):  # (B, T, F) -> (B, T // 4, F): each output frame reads 4 inputs
        b, t, f = x.shape
        out = x[:, : t // 4 * 4].reshape(b, -1, 4, f).sum(2)
        return out, lens // 4

    features = torch.randn(3, 5000, 2)
    lens = torch.tensor([5000, 3100, 700])
    chunked, chunked_lens = encode_chunked(local_model, features, lens, 1200, 160)
    whole, whole_lens = local_model(features, lens)
    assert chunked_lens.tolist() == whole_lens.tolist()
    for i, n in enumerate(whole_lens.tolist()):
        assert torch.allclose(chunked[i, :n], whole[i, :n], atol=1e-6)


def test_stitch_repeats_the_last_frame_of_a_short_chunk_output():
    """A chunk whose output is shorter than its kept span (convolution edges) fills the rest
    with its last frame, even where the span starts past the output's end."""
    chunk = Chunk(start=0, end=400, keep_from=40, keep_to=100)
    for length in (100, 98, 60, 30):
        out = torch.randn(length, 3)
        expected = out[torch.arange(40, 100).clamp(max=length - 1)]
        assert torch.equal(stitch([(chunk, out)]), expected)
