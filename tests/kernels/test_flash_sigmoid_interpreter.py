"""FlashSigmoid's Triton kernels, run in Triton's CPU interpreter, against a float64 oracle.

bf16 is left to the GPU tests: the interpreter's bf16 tl.dot is wrong in Triton 3.6.
"""

import pytest
import torch

import flashsigmoid
from flashsigmoid import dispatch
from flashsigmoid.tiles import Tile
from tests.kernels.cases import LAYOUTS, inputs_of, make_problem, oracle, rel_err, strided_layout

# (N, D, dtype, bias kind, alibi, causal): every length, head dim, bias shape and switch
# appears, lengths off the 16-wide interpreter tiles, D = 24 and 40 not powers of two, and
# D = 36 (d_model 144 with 4 heads), not a multiple of 8, zero-padded by the wrapper.
CASES = [
    (1, 16, torch.float32, "none", False, False),
    (7, 40, torch.float32, "float", True, True),
    (65, 64, torch.float32, "per_head", True, False),
    (65, 32, torch.float16, "per_seq", False, True),
    (130, 16, torch.float32, "per_seq_head", True, True),
    (130, 40, torch.float16, "none", True, False),
    (7, 64, torch.float16, "per_seq_head", False, False),
    (130, 32, torch.float32, "log_n", True, False),
    (65, 24, torch.float32, "float", False, False),
    (33, 16, torch.float16, "per_head", True, True),
    (65, 36, torch.float32, "log_n", True, False),
    (65, 32, torch.float32, "log_n_named", True, True),
    (33, 16, torch.float16, "log_n_named", False, False),
]
TOL = {torch.float32: 1e-5, torch.float16: 5e-3}


@pytest.mark.parametrize("tma", ["0", "1"], ids=["pointers", "tma"])
@pytest.mark.parametrize("n, dim, dtype, bias_kind, alibi, causal", CASES)
def test_matches_float64_reference(
    interpret, monkeypatch, tma, n, dim, dtype, bias_kind, alibi, causal
):
    """Whole tiles read through pointers or (FLASHSIGMOID_TMA=1) TMA descriptors."""
    monkeypatch.setenv("FLASHSIGMOID_TMA", tma)
    q, k, v, seq_lens, bias, slopes = make_problem(
        3, n, 2, dim, dtype, "cpu", seed=n * dim, alibi=alibi, bias_kind=bias_kind
    )
    plan = dispatch.route(q, k, v, seq_lens, slopes, causal)
    assert plan.tma == ("on" if tma == "1" else "off")
    out = flashsigmoid.flash_sigmoid_attn(
        q, k, v, seq_lens=seq_lens, bias=bias, alibi_slopes=slopes, causal=causal
    )
    want, want_inputs = oracle(q, k, v, seq_lens, bias, slopes, causal)
    assert out.dtype == dtype and out.shape == q.shape
    assert rel_err(out, want) < TOL[dtype]

    dout = torch.randn(out.shape, generator=torch.Generator().manual_seed(1)).to(dtype)
    grads = torch.autograd.grad(out, inputs_of(q, k, v, bias), dout)
    want_grads = torch.autograd.grad(want, want_inputs, dout.double())
    for got, ref in zip(grads, want_grads, strict=True):
        assert got.shape == ref.shape
        assert rel_err(got, ref) < 4 * TOL[dtype]

    for b, length in enumerate(seq_lens.tolist()):  # padding: exact zeros out and back
        assert torch.all(out[b, length:] == 0)
        for g in grads[:3]:
            assert torch.all(g[b, length:] == 0)


@pytest.mark.parametrize("tma", ["0", "1"], ids=["pointers", "tma"])
@pytest.mark.parametrize("causal", [False, True])
def test_padding_is_never_read(interpret, monkeypatch, tma, causal):
    """NaN in the padded rows of q, k, v and dO changes nothing: the unmasked loops rely on
    rows past the length reading as zeros (masked loads, TMA bounds), never on their values."""
    monkeypatch.setenv("FLASHSIGMOID_TMA", tma)
    q, k, v, seq_lens, bias, slopes = make_problem(
        3, 37, 2, 16, torch.float32, "cpu", seed=4, alibi=True, bias_kind="per_seq_head"
    )
    dout = torch.randn(q.shape, generator=torch.Generator().manual_seed(6))

    def run(fill):
        leaves = []
        for t in (q, k, v):
            t = t.detach().clone()
            for b, length in enumerate(seq_lens.tolist()):
                t[b, length:] = fill
            leaves.append(t.requires_grad_())
        d = dout.clone()
        for b, length in enumerate(seq_lens.tolist()):
            d[b, length:] = fill
        b_ = bias.detach().clone().requires_grad_()
        out = flashsigmoid.flash_sigmoid_attn(
            *leaves, seq_lens=seq_lens, bias=b_, alibi_slopes=slopes, causal=causal
        )
        return [out, *torch.autograd.grad(out, [*leaves, b_], d)]

    for clean, dirty in zip(run(0.0), run(float("nan")), strict=True):
        assert torch.equal(clean, dirty)


@pytest.mark.parametrize("causal", [False, True])
def test_unpadded_batches_through_descriptors(interpret, monkeypatch, causal):
    """Without seq_lens the forward's descriptors span the whole length: no tile is masked
    but the causal diagonal, and the last, partial key tile and the columns past D (36 of 64)
    must read as zeros from the descriptor's bounds alone."""
    monkeypatch.setenv("FLASHSIGMOID_TMA", "1")
    q, k, v, _, _, slopes = make_problem(
        2, 37, 2, 40, torch.float32, "cpu", seed=8, alibi=True, bias_kind="none"
    )
    out = flashsigmoid.flash_sigmoid_attn(q, k, v, bias="log_n", alibi_slopes=slopes, causal=causal)
    want, want_inputs = oracle(q, k, v, None, "log_n", slopes, causal)
    assert rel_err(out, want) < 1e-5
    dout = torch.randn(out.shape, generator=torch.Generator().manual_seed(3))
    grads = torch.autograd.grad(out, (q, k, v), dout)
    want_grads = torch.autograd.grad(want, want_inputs[:3], dout.double())
    for got, ref in zip(grads, want_grads, strict=True):
        assert rel_err(got, ref) < 4e-5


@pytest.mark.parametrize("dtype", [torch.float32, torch.float16])
def test_in_kernel_log_n_bias_equals_the_explicit_bias(interpret, dtype):
    """bias="log_n" (-log L in the kernel, int32 or int64 lengths, or N without them) gives
    the output and gradients of bias=log_n_bias(seq_lens), up to the last bit of the log
    (numpy's here, libdevice's on the GPU, torch's for the explicit bias)."""
    q, k, v, seq_lens, _, slopes = make_problem(
        2, 37, 2, 16, dtype, "cpu", seed=11, alibi=True, bias_kind="none"
    )
    dout = torch.randn(q.shape, generator=torch.Generator().manual_seed(2)).to(dtype)

    def run(lengths, bias):
        out = flashsigmoid.flash_sigmoid_attn(
            q, k, v, seq_lens=lengths, bias=bias, alibi_slopes=slopes
        )
        return [out, *torch.autograd.grad(out, (q, k, v), dout)]

    full = torch.full((2,), 37)
    for lengths, want_lengths in ((seq_lens, seq_lens), (seq_lens.int(), seq_lens), (None, full)):
        got = run(lengths, "log_n")
        want = run(want_lengths, flashsigmoid.log_n_bias(want_lengths))
        for g, w in zip(got, want, strict=True):
            assert rel_err(g, w) < (1e-6 if dtype == torch.float32 else 1e-4)


def test_unequal_tiles(interpret, monkeypatch):
    """BLOCK_M != BLOCK_N, as autotuning picks on the GPU: the backward's query programs then
    own BLOCK_N queries and step over keys BLOCK_M at a time."""
    tile = Tile(16, 32, 4, 1)
    monkeypatch.setattr(dispatch, "fixed_tiles", lambda *args: (tile, tile))
    for causal in (False, True):
        q, k, v, seq_lens, bias, slopes = make_problem(
            3, 70, 2, 16, torch.float32, "cpu", seed=5, alibi=True, bias_kind="per_seq_head"
        )
        out = flashsigmoid.flash_sigmoid_attn(
            q, k, v, seq_lens=seq_lens, bias=bias, alibi_slopes=slopes, causal=causal
        )
        want, want_inputs = oracle(q, k, v, seq_lens, bias, slopes, causal)
        assert rel_err(out, want) < 1e-5
        dout = torch.randn(out.shape, generator=torch.Generator().manual_seed(1))
        grads = torch.autograd.grad(out, inputs_of(q, k, v, bias), dout)
        want_grads = torch.autograd.grad(want, want_inputs, dout.double())
        assert len(grads) == len(want_grads) == 4
        for got, ref in zip(grads, want_grads, strict=True):
            assert rel_err(got, ref) < 4e-5


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize(
    "bias_shape", [(1, 3), (1, 1), (), "(B, H) transposed", "float64 (H,)"], ids=str
)
def test_strided_inputs_and_broadcast_biases(interpret, layout, bias_shape):
    """Layouts and bias shapes the sweep does not make: strided views of a fused qkv
    projection, head-major tensors, a last dim with stride 2; biases of shape (1, H), (1, 1)
    and (), a transposed (B, H) and a float64 one. Forward and gradients against float64."""
    gen = torch.Generator().manual_seed(11)
    q, k, v = strided_layout(layout, 2, 37, 3, 32, gen)
    assert not any(t.is_contiguous() for t in (q, k, v))
    if bias_shape == "(B, H) transposed":
        bias = torch.randn(3, 2, generator=gen).t().detach()
    elif bias_shape == "float64 (H,)":
        bias = torch.randn(3, generator=gen, dtype=torch.float64)
    else:
        bias = torch.randn(bias_shape, generator=gen)
    bias.requires_grad_()
    seq_lens = torch.tensor([37, 20], dtype=torch.int32)
    out = flashsigmoid.flash_sigmoid_attn(q, k, v, seq_lens=seq_lens, bias=bias)
    want, want_inputs = oracle(q, k, v, seq_lens, bias, None, False)
    assert rel_err(out, want) < 1e-5
    dout = torch.randn(out.shape, generator=gen)
    grads = torch.autograd.grad(out, (q, k, v, bias), dout)
    want_grads = torch.autograd.grad(want, want_inputs, dout.double())
    for got, ref in zip(grads, want_grads, strict=True):
        assert got.shape == ref.shape
        assert rel_err(got, ref) < 4e-5


def test_named_bias_is_checked():
    q = torch.randn(1, 4, 2, 16)
    with pytest.raises(ValueError, match="log_n"):
        flashsigmoid.flash_sigmoid_attn(q, q, q, bias="log")


def test_interpreter_path_is_really_taken(interpret, monkeypatch):
    from flashsigmoid import forward

    calls = []
    real = forward.forward
    monkeypatch.setattr(forward, "forward", lambda *args: calls.append(args) or real(*args))
    q = torch.randn(1, 8, 1, 16)
    flashsigmoid.flash_sigmoid_attn(q, q, q)
    assert len(calls) == 1


@pytest.mark.parametrize(
    "name, scale_qk, n, seq_len, dtype",
    [
        ("logits of +1e4", 100.0, 20, 20, torch.float32),
        ("logits of -1e4", -100.0, 20, 20, torch.float32),
        ("fp16 near overflow", 30.0, 20, 20, torch.float16),
        ("one valid frame in a long padded batch", 1.0, 130, 1, torch.float32),
        ("N = 1", 1.0, 1, 1, torch.float16),
    ],
)
def test_extreme_inputs_stay_finite(interpret, name, scale_qk, n, seq_len, dtype):
    gen = torch.Generator().manual_seed(3)
    q = (scale_qk * torch.randn(2, n, 2, 16, generator=gen).abs()).to(dtype).requires_grad_()
    k = (torch.randn(2, n, 2, 16, generator=gen).abs() * abs(scale_qk)).to(dtype)
    k.requires_grad_()
    v = torch.randn(2, n, 2, 16, generator=gen).to(dtype).requires_grad_()
    seq_lens = torch.tensor([seq_len, seq_len])
    out = flashsigmoid.flash_sigmoid_attn(
        q, k, v, seq_lens=seq_lens, bias=flashsigmoid.log_n_bias(seq_lens)
    )
    out.float().sum().backward()
    for t in (out, q.grad, k.grad, v.grad):
        assert torch.isfinite(t).all(), name
    ref = flashsigmoid.sigmoid_attn_reference(
        q.detach().double(), k.detach().double(), v.detach().double(),
        seq_lens=seq_lens, bias=flashsigmoid.log_n_bias(seq_lens).double(),
    )  # fmt: skip
    assert rel_err(out, ref) < 1e-2, name


def test_rope_kernel_matches_reference_forward_and_backward(interpret):
    from flashsigmoid.rope import rope_reference

    gen = torch.Generator().manual_seed(5)
    q = torch.randn(2, 11, 3, 40, generator=gen, requires_grad=True)
    k = torch.randn(2, 11, 3, 40, generator=gen, requires_grad=True)
    rq, rk = flashsigmoid.apply_rope(q, k)
    assert rel_err(rq, rope_reference(q.double())) < 1e-6
    assert rel_err(rk, rope_reference(k.double())) < 1e-6
    dout = torch.randn(rq.shape, generator=gen)
    (got,) = torch.autograd.grad(rq, q, dout)
    q64 = q.detach().double().requires_grad_()
    (want,) = torch.autograd.grad(rope_reference(q64), q64, dout.double())
    assert rel_err(got, want) < 1e-6


def test_bad_inputs_are_named():
    q = torch.randn(1, 4, 2, 16)
    with pytest.raises(ValueError, match="shape"):
        flashsigmoid.flash_sigmoid_attn(q, q[:, :3], q)
    with pytest.raises(ValueError, match="dtype"):
        flashsigmoid.flash_sigmoid_attn(q, q.half(), q)
