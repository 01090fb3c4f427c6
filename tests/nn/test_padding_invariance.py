"""A sequence's output must not depend on its padding nor on its batch mates."""

import pytest
import torch

from sigasr import AttentionConfig

POS = ["alibi", "rope", "none"]


@pytest.mark.parametrize("kind", ["conformer", "transformer"])
@pytest.mark.parametrize("attention", ["sigmoid", "softmax"])
@pytest.mark.parametrize("pos", POS)
def test_encoder_output_ignores_padding_and_batch(make_encoder, kind, attention, pos):
    encoder = make_encoder(
        kind, attention=AttentionConfig(kind=attention, pos=pos, qk_norm=True)
    ).eval()
    gen = torch.Generator().manual_seed(7)
    lengths = torch.tensor([91, 40, 67])
    feats = torch.randn(3, 91, 20, generator=gen)
    for b, n in enumerate(lengths.tolist()):  # garbage in every padded region
        feats[b, n:] = 1e4 * torch.randn(91 - n, 20, generator=gen)
    with torch.no_grad():
        out, out_lens = encoder(feats, lengths)
        for b, n in enumerate(lengths.tolist()):
            alone, alone_len = encoder(feats[b : b + 1, :n], lengths[b : b + 1])
            assert alone_len.item() == out_lens[b].item()
            m = alone_len.item()
            torch.testing.assert_close(out[b, :m], alone[0], rtol=1e-4, atol=1e-5)
            assert torch.all(out[b, m:] == 0)


@pytest.mark.parametrize("kind", ["conformer", "transformer"])
def test_other_batch_mates_do_not_matter(make_encoder, kind):
    encoder = make_encoder(kind).eval()
    x = torch.randn(2, 60, 20)
    lengths = torch.tensor([60, 33])
    with torch.no_grad():
        a, _ = encoder(x, lengths)
        x2 = x.clone()
        x2[1] = torch.randn(60, 20)  # a different companion for sequence 0
        b, _ = encoder(x2, torch.tensor([60, 60]))
    torch.testing.assert_close(a[0], b[0], rtol=1e-4, atol=1e-5)


def test_too_short_input_is_a_clear_error(make_encoder):
    encoder = make_encoder("conformer")
    with pytest.raises(ValueError, match="too short"):
        encoder(torch.randn(1, 5, 20), torch.tensor([5]))
