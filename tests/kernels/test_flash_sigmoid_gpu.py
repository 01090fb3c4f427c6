"""FlashSigmoid on the GPU at real sizes, in every dtype; and torch.compile / CUDA graphs.

Run through the device: `python -m pytest -m gpu tests/kernels`.
"""

import pytest
import torch

import flashsigmoid
from tests.kernels.cases import inputs_of, make_problem, oracle, rel_err

pytestmark = [
    pytest.mark.gpu,
    pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU"),
]

# (B, N, H, D, bias kind, alibi, causal)
SIZES = [
    (4, 1500, 8, 64, "log_n", True, False),
    (2, 4096, 4, 128, "per_head", False, True),
    (1, 16384, 1, 64, "per_seq", True, False),
    (3, 1000, 2, 256, "per_seq_head", True, False),
    (2, 777, 4, 72, "float", False, True),
    (8, 256, 8, 32, "none", True, True),
    (4, 300, 4, 36, "log_n", True, False),
]
TOL = {torch.float32: 1e-4, torch.float16: 5e-3, torch.bfloat16: 2e-2}


@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16, torch.float32])
@pytest.mark.parametrize("batch, n, heads, dim, bias_kind, alibi, causal", SIZES)
def test_gpu_matches_reference(dtype, batch, n, heads, dim, bias_kind, alibi, causal):
    q, k, v, seq_lens, bias, slopes = make_problem(
        batch, n, heads, dim, dtype, "cuda", seed=n + dim, alibi=alibi, bias_kind=bias_kind
    )
    out = flashsigmoid.flash_sigmoid_attn(
        q, k, v, seq_lens=seq_lens, bias=bias, alibi_slopes=slopes, causal=causal
    )
    want, want_inputs = oracle(q, k, v, seq_lens, bias, slopes, causal)
    assert rel_err(out, want) < TOL[dtype]
    dout = torch.randn(out.shape, device="cuda", dtype=dtype)
    grads = torch.autograd.grad(out, inputs_of(q, k, v, bias), dout)
    want_grads = torch.autograd.grad(want, want_inputs, dout.double())
    for got, ref in zip(grads, want_grads, strict=True):
        assert rel_err(got, ref) < 2 * TOL[dtype]
    for b, length in enumerate(seq_lens.tolist()):
        assert torch.all(out[b, length:] == 0)


class _Attention(torch.nn.Module):
    def __init__(self, heads=4, dim=64):
        super().__init__()
        self.heads, self.dim = heads, dim
        self.qkv = torch.nn.Linear(heads * dim, 3 * heads * dim)
        self.register_buffer("slopes", flashsigmoid.alibi_slopes(heads))

    def forward(self, x, seq_lens):
        b, n, _ = x.shape
        q, k, v = self.qkv(x).view(b, n, 3, self.heads, self.dim).unbind(2)
        q, k = flashsigmoid.apply_rope(q, k)
        out = flashsigmoid.flash_sigmoid_attn(
            q, k, v, seq_lens=seq_lens, bias=flashsigmoid.log_n_bias(seq_lens),
            alibi_slopes=self.slopes,
        )  # fmt: skip
        return out.reshape(b, n, -1)


def test_torch_compile_fullgraph_traces_through_the_kernels():
    torch.manual_seed(0)
    model = _Attention().cuda().to(torch.bfloat16)
    x = torch.randn(4, 300, 256, device="cuda", dtype=torch.bfloat16, requires_grad=True)
    seq_lens = torch.tensor([300, 200, 100, 1], device="cuda", dtype=torch.int32)
    eager = model(x, seq_lens)
    compiled = torch.compile(model, fullgraph=True)(x, seq_lens)
    assert rel_err(compiled, eager) < 1e-2
    compiled.float().sum().backward()
    assert torch.isfinite(x.grad).all()


def test_cuda_graph_capture_replays_the_kernels():
    model = _Attention().cuda().to(torch.bfloat16)
    x = torch.randn(2, 128, 256, device="cuda", dtype=torch.bfloat16)
    seq_lens = torch.tensor([128, 50], device="cuda", dtype=torch.int32)
    with torch.no_grad():
        eager = model(x, seq_lens)
        stream = torch.cuda.Stream()
        stream.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(stream):
            model(x, seq_lens)  # warm up (compile) outside the capture
        torch.cuda.current_stream().wait_stream(stream)
        graph = torch.cuda.CUDAGraph()
        with torch.cuda.graph(graph):
            static_out = model(x, seq_lens)
        x.copy_(torch.randn_like(x))
        graph.replay()
        assert rel_err(static_out, model(x, seq_lens)) < 1e-3
        assert rel_err(eager, static_out) > 1e-2  # the replay used the new x
