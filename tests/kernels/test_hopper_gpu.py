"""The Gluon kernels for Hopper (hopper_forward, and hopper_backward at D = 128) against the
float64 oracle.

Run through the device: `python -m pytest -m gpu tests/kernels -k hopper`.
"""

import pytest
import torch

import flashsigmoid
from flashsigmoid import hopper_backward, hopper_forward
from tests.kernels.cases import inputs_of, make_bias, oracle, rel_err, strided_layout
from tests.kernels.test_flash_sigmoid_gpu import assert_matches_oracle

pytestmark = [
    pytest.mark.gpu,
    pytest.mark.skipif(
        not torch.cuda.is_available() or torch.cuda.get_device_capability() != (9, 0),
        reason="needs a Hopper (sm_90) GPU",
    ),
]


def _count(monkeypatch, module, name, shape_arg):
    calls = []
    real = getattr(module, name)

    def counting(*args, **kwargs):
        calls.append(args[shape_arg].shape)
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, counting)
    return calls


@pytest.fixture
def hopper_calls(monkeypatch):
    """The q shapes of the forwards hopper_forward ran in the test."""
    return _count(monkeypatch, hopper_forward, "forward", 0)


@pytest.fixture
def hopper_backward_calls(monkeypatch):
    """The q shapes of the backwards hopper_backward ran in the test."""
    return _count(monkeypatch, hopper_backward, "backward", 1)


def _unpadded(batch, n, heads, dim, dtype, bias_kind, seed):
    gen = torch.Generator().manual_seed(seed)
    q, k, v = (
        torch.randn(batch, n, heads, dim, generator=gen).to("cuda", dtype).requires_grad_()
        for _ in range(3)
    )
    full = torch.full((batch,), n)
    return q, k, v, full.cuda(), make_bias(bias_kind, batch, heads, full, "cuda", gen)


# (B, N, H, D, dtype, bias kind): N off the tiles (1, 7, 65, 130, 4097), both tile choices at
# D = 64 (N <= 1024 and above), every bias kind; more programs than the GPU holds at once
CASES = [
    (3, 1, 2, 64, torch.bfloat16, "none"),
    (2, 7, 3, 128, torch.float16, "float"),
    (2, 65, 4, 64, torch.float16, "per_head"),
    (3, 130, 2, 128, torch.bfloat16, "per_seq"),
    (64, 256, 8, 64, torch.bfloat16, "log_n_named"),
    (8, 750, 8, 64, torch.bfloat16, "per_seq_head"),
    (4, 1500, 8, 64, torch.float16, "log_n"),
    (4, 1500, 8, 64, torch.bfloat16, "log_n_named"),
    (2, 1024, 16, 128, torch.bfloat16, "per_seq_head"),
    (1, 4097, 4, 128, torch.float16, "log_n_named"),
]


@pytest.mark.parametrize("batch, n, heads, dim, dtype, bias_kind", CASES)
def test_hopper_kernels_match_reference(
    hopper_calls, hopper_backward_calls, batch, n, heads, dim, dtype, bias_kind
):
    """Output and gradients (the Gluon backward at D = 128, Triton's at 64)."""
    q, k, v, full, bias = _unpadded(batch, n, heads, dim, dtype, bias_kind, seed=n + dim)
    out = flashsigmoid.flash_sigmoid_attn(q, k, v, bias=bias)
    assert hopper_calls == [q.shape]
    want_bias = flashsigmoid.log_n_bias(full) if isinstance(bias, str) else bias
    assert_matches_oracle(out, (q, k, v, bias), oracle(q, k, v, full, want_bias, None, False))
    assert hopper_backward_calls == ([q.shape] if dim == 128 else [])


def test_hopper_and_triton_forwards_agree(monkeypatch, hopper_calls):
    q, k, v, _, bias = _unpadded(16, 750, 8, 64, torch.bfloat16, "per_seq_head", seed=3)
    with torch.no_grad():
        hopper = flashsigmoid.flash_sigmoid_attn(q, k, v, bias=bias)
        monkeypatch.setenv("FLASHSIGMOID_HOPPER", "0")
        triton_out = flashsigmoid.flash_sigmoid_attn(q, k, v, bias=bias)
    assert len(hopper_calls) == 1
    assert rel_err(hopper, triton_out) < 1e-2


@pytest.mark.parametrize(
    "layout, runs_here", [("qkv.unbind(2)", True), ("(B, H, N, D).transpose", False)]
)
def test_hopper_forward_takes_head_dense_layouts(hopper_calls, layout, runs_here):
    """Views of a fused qkv projection keep (H, D) dense and run here; head-major tensors
    transposed do not (the Triton forward takes them)."""
    gen = torch.Generator().manual_seed(5)
    q, k, v = strided_layout(layout, 4, 300, 8, 64, gen, torch.bfloat16, "cuda")
    full = torch.full((4,), 300, device="cuda")
    out = flashsigmoid.flash_sigmoid_attn(q, k, v, bias="log_n")
    assert bool(hopper_calls) == runs_here
    want = oracle(q, k, v, full, flashsigmoid.log_n_bias(full), None, False)
    assert_matches_oracle(out, (q, k, v, None), want)


@pytest.mark.parametrize("dim", [64, 128])
def test_hopper_kernels_compile_and_replay_in_a_graph(hopper_calls, hopper_backward_calls, dim):
    """torch.compile(fullgraph=True) traces through them; a CUDA graph replays them."""
    q, k, v, _, _ = _unpadded(4, 384, 4, dim, torch.bfloat16, "none", seed=11)

    def attend(q, k, v):
        return flashsigmoid.flash_sigmoid_attn(q, k, v, bias="log_n")

    eager = attend(q, k, v)
    compiled = torch.compile(attend, fullgraph=True)(q, k, v)
    assert rel_err(compiled, eager) < 1e-3
    grads = torch.autograd.grad(compiled.float().sum(), inputs_of(q, k, v, None))
    assert all(torch.isfinite(g).all() for g in grads)
    with torch.no_grad():
        static_q = q.detach().clone()
        stream = torch.cuda.Stream()
        stream.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(stream):
            attend(static_q, k.detach(), v.detach())
        torch.cuda.current_stream().wait_stream(stream)
        graph = torch.cuda.CUDAGraph()
        with torch.cuda.graph(graph):
            static_out = attend(static_q, k.detach(), v.detach())
        static_q.copy_(torch.randn_like(static_q))
        graph.replay()
        assert rel_err(static_out, attend(static_q, k.detach(), v.detach())) < 1e-3
    assert len(hopper_calls) >= 3
    assert bool(hopper_backward_calls) == (dim == 128)
