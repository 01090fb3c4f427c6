"""The reference sigmoid attention against a per-element loop that spells out the formula."""

import math

import pytest
import torch

from flashsigmoid import log_n_bias, sigmoid_attn_reference


def loop_attention(q, k, v, seq_lens, bias_bh, slopes, scale, causal):
    b_, n, h_, d = q.shape
    out = torch.zeros(b_, n, h_, d, dtype=torch.float64)
    for b in range(b_):
        length = n if seq_lens is None else int(seq_lens[b])
        for h in range(h_):
            for i in range(length):
                for j in range(length):
                    if causal and j > i:
                        continue
                    s = float(q[b, i, h] @ k[b, j, h]) * scale
                    if bias_bh is not None:
                        s += float(bias_bh[b, h])
                    if slopes is not None:
                        s -= float(slopes[h]) * abs(i - j)
                    out[b, i, h] += v[b, j, h] / (1 + math.exp(-s))
    return out


BIASES = {
    "none": lambda b, h: (None, None),
    "float": lambda b, h: (-1.5, torch.full((b, h), -1.5, dtype=torch.float64)),
    "per_head": lambda b, h: (t := torch.randn(h, dtype=torch.float64), t.expand(b, h)),
    "per_seq": lambda b, h: (t := torch.randn(b, 1, dtype=torch.float64), t.expand(b, h)),
    "per_seq_head": lambda b, h: (t := torch.randn(b, h, dtype=torch.float64), t),
}


@pytest.mark.parametrize("bias_kind", sorted(BIASES))
@pytest.mark.parametrize("alibi", [False, True])
@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize("padded", [False, True])
def test_reference_matches_loop(bias_kind, alibi, causal, padded):
    torch.manual_seed(hash((bias_kind, alibi, causal, padded)) % 2**31)
    b, n, h, d = 2, 6, 3, 4
    q, k, v = (torch.randn(b, n, h, d, dtype=torch.float64) for _ in range(3))
    seq_lens = torch.tensor([6, 3]) if padded else None
    bias, bias_bh = BIASES[bias_kind](b, h)
    slopes = torch.rand(h) if alibi else None
    scale = 0.7
    got = sigmoid_attn_reference(
        q, k, v, seq_lens=seq_lens, bias=bias, alibi_slopes=slopes, scale=scale, causal=causal
    )
    want = loop_attention(q, k, v, seq_lens, bias_bh, slopes, scale, causal)
    torch.testing.assert_close(got, want, rtol=1e-10, atol=1e-10)
    if padded:
        assert got[1, 3:].abs().max() == 0


def test_default_scale_is_inverse_sqrt_head_dim():
    q, k, v = (torch.randn(1, 5, 2, 16, dtype=torch.float64) for _ in range(3))
    default = sigmoid_attn_reference(q, k, v)
    explicit = sigmoid_attn_reference(q, k, v, scale=16**-0.5)
    torch.testing.assert_close(default, explicit)


def test_log_n_bias_is_minus_log_length():
    lens = torch.tensor([1, 10, 400])
    got = log_n_bias(lens)
    assert got.shape == (3, 1)
    torch.testing.assert_close(got[:, 0], -torch.log(lens.float()))


def test_bias_of_wrong_shape_names_the_shape():
    q = torch.randn(2, 4, 3, 8)
    with pytest.raises(ValueError, match=r"\(5,\)"):
        sigmoid_attn_reference(q, q, q, bias=torch.zeros(5))


def _constant(value: float, n: int, dtype) -> torch.Tensor:
    return torch.full((2, n, 2, 16), value, dtype=dtype, requires_grad=True)


@pytest.mark.parametrize(
    "name, q_value, k_value, n, seq_len, dtype",
    [
        ("logits of +1e4", 50.0, 50.0, 20, 20, torch.float32),  # 50 * 50 * 16 / sqrt(16)
        ("logits of -1e4", 50.0, -50.0, 20, 20, torch.float32),
        ("fp16 inputs near overflow", 6e4, -6e4, 20, 20, torch.float16),
        ("one valid frame in a long padded batch", 1.0, 1.0, 130, 1, torch.float32),
        ("N = 1", 1.0, 1.0, 1, 1, torch.float16),
    ],
)
def test_reference_stays_finite_on_extreme_inputs(name, q_value, k_value, n, seq_len, dtype):
    """In the inputs' own dtype, with the log-n bias the model uses, gradients included."""
    q, k = _constant(q_value, n, dtype), _constant(k_value, n, dtype)
    v = torch.randn(2, n, 2, 16, generator=torch.Generator().manual_seed(0)).to(dtype)
    v.requires_grad_()
    seq_lens = torch.tensor([seq_len, n])
    out = sigmoid_attn_reference(q, k, v, seq_lens=seq_lens, bias=log_n_bias(seq_lens))
    out.float().square().sum().backward()
    for t in (out, q.grad, k.grad, v.grad):
        assert torch.isfinite(t).all(), name
    assert torch.all(out[0, seq_len:] == 0) and torch.all(v.grad[0, seq_len:] == 0), name
    want = sigmoid_attn_reference(
        q.detach().double(), k.detach().double(), v.detach().double(), seq_lens=seq_lens,
        bias=log_n_bias(seq_lens).double(),
    )  # fmt: skip
    assert (out.double() - want).abs().max() <= 1e-2 * want.abs().max().clamp_min(1), name
