"""bias="log_n" with causal=True: query i uses -log(i + 1), the number of keys it sees, so a
causal output never depends on later frames (the kernels in the interpreter, and the
reference)."""

import pytest
import torch

import flashsigmoid
from tests.kernels.cases import oracle, rel_err


def _problem(n=40, seed=3):
    gen = torch.Generator().manual_seed(seed)
    return [torch.randn(2, n, 2, 16, generator=gen).requires_grad_() for _ in range(3)]


def _prefix_matches(attn, q, k, v, seq_lens, m, tol):
    """Outputs and gradients of the first m frames equal those of the m-frame prefix alone
    (relative error below tol), and no gradient reaches the frames after m."""
    out = attn(q, k, v, seq_lens)
    cut = None if seq_lens is None else seq_lens.clamp(max=m)
    prefix = [t.detach()[:, :m].requires_grad_() for t in (q, k, v)]
    out_prefix = attn(*prefix, cut)
    assert rel_err(out[:, :m], out_prefix) < tol
    gen = torch.Generator(device=q.device).manual_seed(1)
    dout = torch.randn(out_prefix.shape, generator=gen, device=q.device, dtype=q.dtype)
    grads = torch.autograd.grad(out[:, :m], (q, k, v), dout)
    grads_prefix = torch.autograd.grad(out_prefix, prefix, dout)
    for got, want in zip(grads, grads_prefix, strict=True):
        assert rel_err(got[:, :m], want) < tol
        assert torch.all(got[:, m:] == 0)


def _flash(alibi, heads=2, device="cpu"):
    slopes = flashsigmoid.alibi_slopes(heads).to(device) if alibi else None

    def attn(q, k, v, seq_lens):
        return flashsigmoid.flash_sigmoid_attn(
            q, k, v, seq_lens=seq_lens, bias="log_n", alibi_slopes=slopes, causal=True
        )

    return attn


@pytest.mark.parametrize("m", [1, 17, 33])
@pytest.mark.parametrize("padded", [False, True], ids=["full", "padded"])
def test_kernels_causal_log_n_never_read_the_future(interpret, padded, m):
    q, k, v = _problem()
    seq_lens = torch.tensor([40, 29]) if padded else None
    _prefix_matches(_flash(alibi=padded), q, k, v, seq_lens, m, tol=1e-5)


@pytest.mark.parametrize("padded", [False, True], ids=["full", "padded"])
def test_kernels_causal_log_n_is_minus_log_of_the_keys_seen(interpret, padded):
    q, k, v = _problem(n=37)
    seq_lens = torch.tensor([37, 20]) if padded else None
    out = flashsigmoid.flash_sigmoid_attn(q, k, v, seq_lens=seq_lens, bias="log_n", causal=True)
    # Row i of the float64 reference with the bias -log(i + 1) spelled out as a tensor.
    for i in (0, 5, 19, 36):
        want, _ = oracle(q, k, v, seq_lens, -torch.log(torch.tensor(i + 1.0)), None, True)
        assert rel_err(out[:, i], want[:, i]) < 1e-5


def test_reference_causal_log_n_never_reads_the_future():
    q, k, v = [t.detach().double().requires_grad_() for t in _problem()]
    _prefix_matches(_flash(alibi=True), q, k, v, torch.tensor([40, 29]), 21, tol=1e-12)


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
@pytest.mark.parametrize("tma", ["0", "1"], ids=["pointers", "tma"])
@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16], ids=["fp16", "bf16"])
def test_gpu_causal_log_n_never_reads_the_future(monkeypatch, tma, dtype):
    monkeypatch.setenv("FLASHSIGMOID_TMA", tma)
    gen = torch.Generator(device="cuda").manual_seed(5)
    q, k, v = (
        torch.randn(3, 300, 4, 64, device="cuda", dtype=dtype, generator=gen).requires_grad_()
        for _ in range(3)
    )
    seq_lens = torch.tensor([300, 211, 57], device="cuda")
    attn = _flash(alibi=True, heads=4, device="cuda")
    _prefix_matches(attn, q, k, v, seq_lens, 150, tol=1e-2)
    out = attn(q, k, v, seq_lens)
    want, _ = oracle(q, k, v, seq_lens, "log_n", flashsigmoid.alibi_slopes(4).cuda(), True)
    assert rel_err(out, want) < 2e-2
