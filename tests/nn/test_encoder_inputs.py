"""What a third-party caller passes the encoder: lengths as a list, lengths longer than T or
too short (clear errors in eager mode), and torchaudio's RNN-T through RNNTTranscriber."""

import pytest
import torch
import torchaudio
from torchaudio.models.rnnt import RNNT, _Joiner, _Predictor

from sigasr.nn import RNNTTranscriber


@pytest.mark.parametrize("kind", ["conformer", "transformer"])
def test_lengths_as_a_list_equal_lengths_as_a_tensor(make_encoder, kind):
    encoder = make_encoder(kind).eval()
    features = torch.randn(2, 60, 20)
    out, lens = encoder(features, [60, 41])
    ref, ref_lens = encoder(features, torch.tensor([60, 41]))
    assert torch.equal(lens, ref_lens)
    assert torch.allclose(out, ref)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
@pytest.mark.parametrize("kind", ["conformer", "transformer"])
def test_lengths_on_the_cpu_let_a_gpu_forward_run_without_waiting(make_encoder, kind):
    """Lengths on the GPU make the eager length check read the device back; lengths on the
    CPU are checked there, so the forward queues its work and returns (as the trainer and
    the decoders call it)."""
    encoder = make_encoder(kind).cuda().eval()
    features, lengths = torch.randn(2, 60, 20, device="cuda"), torch.tensor([60, 41])
    with torch.no_grad():
        want, want_lens = encoder(features, lengths.cuda())
        torch.cuda.set_sync_debug_mode("error")
        try:
            got, got_lens = encoder(features, lengths)
        finally:
            torch.cuda.set_sync_debug_mode("default")
        with pytest.raises(RuntimeError, match="synchroniz"):  # the check works
            torch.cuda.set_sync_debug_mode("error")
            try:
                encoder(features, lengths.cuda())
            finally:
                torch.cuda.set_sync_debug_mode("default")
    assert torch.equal(got_lens, want_lens)
    torch.testing.assert_close(got, want)
    with pytest.raises(ValueError, match="61 frames, more than the 60 frames"):
        encoder(features, torch.tensor([61, 40]))


def test_lengths_longer_than_t_are_an_error(make_encoder):
    encoder = make_encoder("conformer")
    with pytest.raises(ValueError, match="61 frames, more than the 60 frames"):
        encoder(torch.randn(2, 60, 20), torch.tensor([61, 40]))


def test_one_length_per_sequence(make_encoder):
    encoder = make_encoder("conformer")
    with pytest.raises(ValueError, match=r"expected \(2,\)"):
        encoder(torch.randn(2, 60, 20), torch.tensor([60]))


def test_inputs_shorter_than_seven_frames_are_an_error_in_eager_mode(make_encoder):
    encoder = make_encoder("conformer")
    encoder(torch.randn(1, 7, 20), torch.tensor([7]))  # the shortest that leaves a frame
    with pytest.raises(ValueError, match="6 frames is too short.*at least 7 input frames"):
        encoder(torch.randn(2, 60, 20), torch.tensor([60, 6]))


def test_torchaudio_rnnt_trains_and_transcribes_with_the_adapter(make_encoder):
    torch.manual_seed(0)
    transcriber = RNNTTranscriber(make_encoder("conformer"), output_dim=24)
    predictor = _Predictor(
        num_symbols=10, output_dim=24, symbol_embedding_dim=16, num_lstm_layers=1,
        lstm_hidden_dim=24,
    )  # fmt: skip
    model = RNNT(transcriber, predictor, _Joiner(24, 10))
    sources, source_lengths = torch.randn(2, 80, 20), torch.tensor([80, 57])
    targets = torch.tensor([[0, 3, 4, 5], [0, 6, 7, 0]], dtype=torch.int32)  # blank-prefixed
    target_lengths = torch.tensor([4, 3], dtype=torch.int32)
    logits, out_lengths, _, _ = model(sources, source_lengths, targets, target_lengths)
    assert logits.shape == (2, 19, 4, 10) and out_lengths.tolist() == [19, 13]
    loss = torchaudio.functional.rnnt_loss(
        logits, targets[:, 1:].contiguous(), out_lengths.int(), target_lengths - 1, blank=0
    )
    loss.backward()
    assert torch.isfinite(loss)
    assert transcriber.encoder.frontend.parameters().__next__().grad is not None

    encodings, lengths = model.transcribe(sources, source_lengths)
    assert encodings.shape == (2, 19, 24) and lengths.tolist() == [19, 13]
    with pytest.raises(NotImplementedError, match="does not stream"):
        model.transcribe_streaming(sources, source_lengths, None)
