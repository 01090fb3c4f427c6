"""FlashSigmoid on the GPU at real sizes, in every dtype; and torch.compile / CUDA graphs.

Run through the device: `python -m pytest -m gpu tests/kernels`.
"""

import pytest
import torch

import flashsigmoid
from flashsigmoid import dispatch, tuning
from tests.kernels.cases import LAYOUTS, inputs_of, make_problem, oracle, rel_err, strided_layout

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
    (4, 750, 8, 64, "log_n_named", True, False),
]
TOL = {torch.float32: 1e-4, torch.float16: 5e-3, torch.bfloat16: 2e-2}


@pytest.mark.parametrize(
    "dtype", [torch.bfloat16, torch.float16, torch.float32], ids=["bf16", "fp16", "fp32"]
)
@pytest.mark.parametrize("batch, n, heads, dim, bias_kind, alibi, causal", SIZES)
@pytest.mark.parametrize("tma", ["0", "1"], ids=["pointers", "tma"])
def test_gpu_matches_reference(
    monkeypatch, tma, dtype, batch, n, heads, dim, bias_kind, alibi, causal
):
    """Whole tiles read through pointers or (FLASHSIGMOID_TMA=1, on Hopper) TMA descriptors."""
    monkeypatch.setenv("FLASHSIGMOID_TMA", tma)
    q, k, v, seq_lens, bias, slopes = make_problem(
        batch, n, heads, dim, dtype, "cuda", seed=n + dim, alibi=alibi, bias_kind=bias_kind
    )
    if tma == "1" and dim % 8 == 0 and torch.cuda.get_device_capability()[0] >= 9:
        # (D = 36 is zero-padded to 40 inside flash_sigmoid_attn, and then read through TMA)
        plan = dispatch.route(*(t.detach() for t in (q, k, v)), seq_lens, slopes, causal)
        assert plan.tma == "on"
    out = flashsigmoid.flash_sigmoid_attn(
        q, k, v, seq_lens=seq_lens, bias=bias, alibi_slopes=slopes, causal=causal
    )
    assert_matches_oracle(out, (q, k, v, bias), oracle(q, k, v, seq_lens, bias, slopes, causal))
    for b, length in enumerate(seq_lens.tolist()):
        assert torch.all(out[b, length:] == 0)


def assert_matches_oracle(out, inputs, oracle_result):
    """out and the gradients of its inputs (q, k, v, bias) against oracle()'s float64 ones."""
    want, want_inputs = oracle_result
    tol = TOL[out.dtype]
    assert rel_err(out, want) < tol
    dout = torch.randn(out.shape, device="cuda", dtype=out.dtype)
    grads = torch.autograd.grad(out, inputs_of(*inputs), dout)
    want_grads = torch.autograd.grad(want, want_inputs, dout.double())
    for got, ref in zip(grads, want_grads, strict=True):
        assert rel_err(got, ref) < 2 * tol


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("tma", ["0", "1"], ids=["pointers", "tma"])
def test_gpu_strided_inputs_and_broadcast_bias(monkeypatch, tma, layout):
    """bf16 q, k, v in the layouts callers hand over (none contiguous) with a (1, H) bias."""
    monkeypatch.setenv("FLASHSIGMOID_TMA", tma)
    gen = torch.Generator().manual_seed(13)
    q, k, v = strided_layout(layout, 4, 750, 8, 64, gen, torch.bfloat16, "cuda")
    bias = torch.randn(1, 8, generator=gen).cuda().requires_grad_()
    seq_lens = torch.tensor([750, 301, 1, 640], device="cuda")
    out = flashsigmoid.flash_sigmoid_attn(q, k, v, seq_lens=seq_lens, bias=bias)
    assert_matches_oracle(out, (q, k, v, bias), oracle(q, k, v, seq_lens, bias, None, False))


@pytest.mark.parametrize("causal", [False, True])
def test_autotuned_tiles_match_reference(monkeypatch, causal):
    """The tiles autotuning picks (BLOCK_M != BLOCK_N among them), not the fixed ones."""
    monkeypatch.setenv("FLASHSIGMOID_AUTOTUNE", "1")
    q, k, v, seq_lens, _, slopes = make_problem(
        6, 1100, 4, 64, torch.bfloat16, "cuda", seed=7, alibi=True, bias_kind="none"
    )
    bias = torch.randn(6, 4, device="cuda", requires_grad=True)
    out = flashsigmoid.flash_sigmoid_attn(
        q, k, v, seq_lens=seq_lens, bias=bias, alibi_slopes=slopes, causal=causal
    )
    assert_matches_oracle(out, (q, k, v, bias), oracle(q, k, v, seq_lens, bias, slopes, causal))


def test_autotuning_on_a_busy_stream(monkeypatch, tmp_path):
    """Tuning a new key while the stream is busy, as in a training step, gives the right
    output: the seq_lens that the call reads are still queued behind a long kernel, in memory
    that held stale huge lengths. The timer drains the stream before the candidates run on
    their own stream. On an H100 this setup does not reproduce the illegal memory access that
    a training step hit without the drain (it passes either way)."""
    from flashsigmoid import backward, forward

    monkeypatch.setenv("FLASHSIGMOID_AUTOTUNE", "1")
    monkeypatch.setenv("FLASHSIGMOID_TMA", "0")  # pointer loads, bounded by seq_lens only
    monkeypatch.setenv("FLASHSIGMOID_HOPPER", "0")  # the Triton kernels, which autotune
    monkeypatch.setenv("TRITON_CACHE_DIR", str(tmp_path))  # no stored picks: tune
    monkeypatch.setattr(tuning, "_TUNED", {})
    monkeypatch.setattr(forward._forward_tuned, "cache", {})
    monkeypatch.setattr(backward._backward_tuned, "cache", {})
    q, k, v, lens, _, slopes = make_problem(
        4, 900, 4, 64, torch.bfloat16, "cuda", seed=21, alibi=True, bias_kind="none"
    )
    lens = lens.to(torch.int32)
    stale = torch.full_like(lens, 1 << 30)
    del stale  # its block goes back to the allocator, which hands it to the clone below
    torch.cuda._sleep(1_000_000_000)  # about half a second of a busy stream
    seq_lens = lens.clone()  # queued behind the sleep
    out = flashsigmoid.flash_sigmoid_attn(
        q, k, v, seq_lens=seq_lens, bias="log_n", alibi_slopes=slopes
    )
    want = oracle(q, k, v, lens, flashsigmoid.log_n_bias(lens), slopes, False)
    assert_matches_oracle(out, (q, k, v, None), want)


def test_padded_and_unpadded_batches_tune_apart(monkeypatch):
    """The autotuner keys on padding: a padded batch after an unpadded one of the same length
    bucket tunes its own tiles (the picks differ), and both stay right."""
    from flashsigmoid import forward

    monkeypatch.setenv("FLASHSIGMOID_AUTOTUNE", "1")
    monkeypatch.setenv("FLASHSIGMOID_HOPPER", "0")  # the unpadded batch through Triton's too
    q, k, v, seq_lens, _, _ = make_problem(
        4, 700, 4, 64, torch.bfloat16, "cuda", seed=9, alibi=False, bias_kind="none"
    )
    for lengths in (None, seq_lens):
        out = flashsigmoid.flash_sigmoid_attn(q, k, v, seq_lens=lengths, bias="log_n")
        full = lengths if lengths is not None else torch.full((4,), 700, device="cuda")
        want = oracle(q, k, v, full, flashsigmoid.log_n_bias(full), None, False)
        assert_matches_oracle(out, (q, k, v, None), want)
    keys = [
        dict(zip(tuning.AUTOTUNE_KEY, key, strict=False)) for key in forward._forward_tuned.cache
    ]
    padding = {
        key["HAS_SEQ_LENS"] for key in keys if key["N_BUCKET"] == 1024 and key["HEAD_DIM"] == 64
    }
    assert padding == {False, True}


class _Attention(torch.nn.Module):
    def __init__(self, heads=4, dim=64, named_bias=True):
        super().__init__()
        self.heads, self.dim, self.named_bias = heads, dim, named_bias
        self.qkv = torch.nn.Linear(heads * dim, 3 * heads * dim)
        self.register_buffer("slopes", flashsigmoid.alibi_slopes(heads))

    def forward(self, x, seq_lens):
        b, n, _ = x.shape
        q, k, v = self.qkv(x).view(b, n, 3, self.heads, self.dim).unbind(2)
        q, k = flashsigmoid.apply_rope(q, k)
        bias = "log_n" if self.named_bias else flashsigmoid.log_n_bias(seq_lens)
        out = flashsigmoid.flash_sigmoid_attn(
            q, k, v, seq_lens=seq_lens, bias=bias, alibi_slopes=self.slopes
        )
        return out.reshape(b, n, -1)


@pytest.mark.parametrize("named_bias", [True, False])
def test_torch_compile_fullgraph_traces_through_the_kernels(named_bias):
    torch.manual_seed(0)
    model = _Attention(named_bias=named_bias).cuda().to(torch.bfloat16)
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


# (B, N, H, D, dtype, bias kind, misaligned q): variants that must not share a compiled kernel
FAST_CASES = [
    (2, 300, 4, 64, torch.bfloat16, "log_n_named", False),
    (2, 300, 4, 64, torch.bfloat16, "log_n_named", True),  # q.data_ptr() % 16 != 0
    (3, 129, 2, 40, torch.float16, "per_seq", False),
    (2, 129, 2, 40, torch.float32, "per_seq", False),
    (1, 1, 1, 16, torch.float16, "none", False),  # N = H = B = 1, strides of 1
]


def _fast_case_grads(batch, n, heads, dim, dtype, bias_kind, misaligned):
    q, k, v, seq_lens, bias, slopes = make_problem(
        batch, n, heads, dim, dtype, "cuda", seed=n, alibi=True, bias_kind=bias_kind
    )
    if misaligned:  # the same values one element into a buffer: 2-byte aligned, not 16
        buf = torch.empty(q.numel() + 1, device="cuda", dtype=dtype)
        q = buf[1:].view(q.shape).copy_(q.detach()).requires_grad_()
    out = flashsigmoid.flash_sigmoid_attn(
        q, k, v, seq_lens=seq_lens, bias=bias, alibi_slopes=slopes
    )
    gen = torch.Generator(device="cuda").manual_seed(n)
    dout = torch.randn(out.shape, device="cuda", dtype=dtype, generator=gen)
    return [out, *torch.autograd.grad(out, inputs_of(q, k, v, bias), dout)]


class _CountingCache(dict):
    """launcher._COMPILED that counts its hits (fast launches)."""

    hits = 0

    def get(self, key, default=None):
        value = super().get(key, default)
        self.hits += value is not None
        return value


def test_fast_launch_is_bitwise_the_plain_launch(monkeypatch):
    from flashsigmoid import launcher

    with monkeypatch.context() as m:
        plain = lambda kernel, grid, args, meta: kernel[grid](*args, **meta)  # noqa: E731
        m.setattr(launcher, "launch", plain)
        want = [_fast_case_grads(*case) for case in FAST_CASES]
    cache = _CountingCache()
    monkeypatch.setattr(launcher, "_COMPILED", cache)
    first = [_fast_case_grads(*case) for case in FAST_CASES]  # fills the cache
    variants, hits = len(cache), cache.hits
    # Again in reverse order, so each case follows a different variant than before.
    second = [_fast_case_grads(*case) for case in reversed(FAST_CASES)][::-1]
    assert len(cache) == variants  # nothing new to compile ...
    assert cache.hits - hits == 2 * len(FAST_CASES)  # ... and forward and backward hit
    for case, w, got1, got2 in zip(FAST_CASES, want, first, second, strict=True):
        for i, (a, b, c) in enumerate(zip(w, got1, got2, strict=True)):
            if case[5] == "per_seq" and i == 4:  # d bias: summed with atomics, any order
                assert rel_err(b, a) < 1e-6 and rel_err(c, a) < 1e-6, case
            else:
                assert torch.equal(a, b) and torch.equal(a, c), (case, i)
