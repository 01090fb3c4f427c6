"""The blocked CPU attention (flashsigmoid.cpu) against the exact N x N reference."""

import itertools
import os
import subprocess
import sys

import pytest
import torch

import flashsigmoid
from flashsigmoid import cpu
from flashsigmoid.reference import bias_to_bh, sigmoid_attn_reference

BIASES = ("none", "float", "per_head", "per_seq_head", "log_n")


def _bias(kind: str, batch: int, heads: int):
    """(what flash_sigmoid_attn takes, the (B, H) tensor attention_cpu takes, leaf or None)."""
    if kind in ("none", "log_n"):
        return (None if kind == "none" else "log_n"), None, None
    if kind == "float":
        return -1.5, bias_to_bh(-1.5, batch, heads, "cpu", torch.float64), None
    leaf = torch.randn(heads if kind == "per_head" else (batch, heads), dtype=torch.float64)
    leaf.requires_grad_()
    return leaf, bias_to_bh(leaf, batch, heads, "cpu", torch.float64), leaf


@pytest.mark.parametrize("block_elements", [48, cpu.BLOCK_ELEMENTS], ids=["32-row", "one"])
@pytest.mark.parametrize(
    "bias_kind, alibi, causal, padded",
    list(itertools.product(BIASES, [False, True], [False, True], [False, True])),
)
def test_forward_and_gradients_match_reference(
    monkeypatch, block_elements, bias_kind, alibi, causal, padded
):
    """float64, every switch; blocks of 32 rows (the least) and a whole sequence in one."""
    monkeypatch.setattr(cpu, "BLOCK_ELEMENTS", block_elements)
    torch.manual_seed(hash((bias_kind, alibi, causal, padded)) % 2**31)
    batch, n, heads, dim = 3, 41, 3, 8
    q, k, v = (torch.randn(batch, n, heads, dim, dtype=torch.float64) for _ in range(3))
    for t in (q, k, v):
        t.requires_grad_()
    seq_lens = torch.tensor([41, 17, 1]) if padded else None
    slopes = torch.rand(heads) if alibi else None
    public, bias_bh, leaf = _bias(bias_kind, batch, heads)
    want = sigmoid_attn_reference(
        q, k, v, seq_lens=seq_lens, bias=public, alibi_slopes=slopes, scale=0.3, causal=causal
    )
    got = cpu.attention_cpu(q, k, v, seq_lens, bias_bh, slopes, 0.3, causal, bias_kind == "log_n")
    torch.testing.assert_close(got, want, rtol=1e-10, atol=1e-10)
    if padded:
        assert got[1, 17:].abs().max() == 0 and got[2, 1:].abs().max() == 0
    leaves = [q, k, v] + ([leaf] if leaf is not None else [])
    grad = torch.randn_like(want)
    for g_got, g_want in zip(
        torch.autograd.grad(got, leaves, grad),
        torch.autograd.grad(want, leaves, grad),
        strict=True,
    ):
        torch.testing.assert_close(g_got, g_want, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("dtype, tol", [(torch.float32, 2e-6), (torch.bfloat16, 1e-2)])
def test_flash_sigmoid_attn_on_cpu_is_blocked_and_matches(monkeypatch, dtype, tol):
    """flash_sigmoid_attn on CPU tensors (no TRITON_INTERPRET) runs the blocked path."""
    monkeypatch.delenv("TRITON_INTERPRET", raising=False)
    torch.manual_seed(0)
    q, k, v = (torch.randn(2, 300, 4, 36) for _ in range(3))
    seq_lens = torch.tensor([300, 123])
    slopes = flashsigmoid.alibi_slopes(4)
    args = dict(seq_lens=seq_lens, bias="log_n", alibi_slopes=slopes, causal=True)
    got = flashsigmoid.flash_sigmoid_attn(q.to(dtype), k.to(dtype), v.to(dtype), **args)
    blocked = cpu.attention_cpu(
        q.to(dtype), k.to(dtype), v.to(dtype), seq_lens, None, slopes, 36**-0.5, True, True
    )
    want = sigmoid_attn_reference(q.double(), k.double(), v.double(), **args)
    assert torch.equal(got, blocked) and got.dtype == dtype
    assert ((got.double() - want).norm() / want.norm()).item() < tol


_PEAK = """
import resource, torch, flashsigmoid
torch.set_num_threads(1)
n = {n}
q = torch.randn(1, n, 1, 8)
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
with torch.no_grad():
    out = flashsigmoid.flash_sigmoid_attn(q, q, q, bias="log_n", alibi_slopes=torch.ones(1))
print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) * 1024)
"""


def test_memory_is_linear_in_length():
    """N = 12000: an N x N float32 tensor would be 550 MiB; the peak grows by far less."""
    n = 12000
    run = subprocess.run(
        [sys.executable, "-c", _PEAK.format(n=n)],
        capture_output=True,
        text=True,
        check=True,
        env={**_python_env(), "OMP_NUM_THREADS": "1"},
    )
    grown = int(run.stdout.split()[-1])
    assert grown < n * n * 4 / 8, f"peak RSS grew by {grown / 2**20:.0f} MiB"


def _python_env() -> dict:
    return {k: v for k, v in os.environ.items() if k != "TRITON_INTERPRET"}
