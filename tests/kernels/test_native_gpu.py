"""The C++ eager path (flashsigmoid/native.py): calls replayed from a key's recorded launches
give the Python path's outputs and gradients under a C++ autograd node, and fall back to
Python where they must.

Run through the device: `python -m pytest -m gpu tests/kernels -k native`.
"""

import pytest
import torch

import flashsigmoid
from flashsigmoid import native
from tests.kernels.cases import inputs_of, make_problem, rel_err

pytestmark = [
    pytest.mark.gpu,
    pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU"),
]


@pytest.fixture(scope="module")
def ext():
    module = native.wait()
    if module is None:
        pytest.fail(f"the C++ eager path did not build: {native.error()}")
    return module


# (B, N, H, D, dtype, padded, alibi, causal, bias kind): the Gluon forward (Hopper, unpadded),
# the Gluon backward (D = 128), the Triton kernels with a bias tensor, ALiBi, causal, a float
# bias, float32 and a head dim the wrapper pads
CASES = [
    (4, 256, 8, 64, torch.bfloat16, False, False, False, "log_n_named"),
    (2, 300, 4, 128, torch.bfloat16, False, False, False, "per_seq_head"),
    (3, 200, 4, 64, torch.float16, True, True, False, "per_head"),
    (2, 130, 2, 64, torch.bfloat16, True, False, True, "log_n_named"),
    (2, 100, 2, 64, torch.bfloat16, False, False, False, "float"),
    (2, 96, 2, 36, torch.float32, True, False, False, "none"),
]


def _call(problem, causal, grad_out=None):
    q, k, v, seq_lens, bias, slopes = problem
    out = flashsigmoid.flash_sigmoid_attn(
        q, k, v, seq_lens=seq_lens, bias=bias, alibi_slopes=slopes, causal=causal
    )
    leaves = inputs_of(q, k, v, bias)
    grad_out = torch.ones_like(out) if grad_out is None else grad_out
    return out, torch.autograd.grad(out, leaves, grad_out), out.grad_fn


def _node(grad_fn) -> str:
    """The attention's autograd node under ``grad_fn`` (the wrapper slices a padded D off)."""
    if type(grad_fn).__name__ == "SliceBackward0":
        grad_fn = grad_fn.next_functions[0][0]
    return type(grad_fn).__name__


@pytest.mark.parametrize("case", CASES, ids=lambda c: "-".join(map(str, c)).replace("torch.", ""))
def test_replay_matches_the_python_path(case, ext, monkeypatch):
    b, n, h, d, dtype, padded, alibi, causal, bias_kind = case
    problem = list(make_problem(b, n, h, d, dtype, "cuda", 0, alibi=alibi, bias_kind=bias_kind))
    if not padded:
        problem[3] = None
    monkeypatch.setenv("FLASHSIGMOID_NATIVE", "0")
    want, want_grads, python_node = _call(problem, causal)
    monkeypatch.setenv("FLASHSIGMOID_NATIVE", "1")
    _call(problem, causal)  # records the key's forward and backward
    got, grads, node = _call(problem, causal)
    assert "EagerAttention" in _node(python_node)
    assert "EagerAttention" not in _node(node), f"not replayed in C++: {_node(node)}"
    assert rel_err(got, want) < 1e-6
    for g, w in zip(grads, want_grads, strict=True):
        assert g.shape == w.shape and rel_err(g, w) < 1e-5
    # The same key on other tensors (other lengths): the replay reads this call's addresses.
    other = list(make_problem(b, n, h, d, dtype, "cuda", 9, alibi=alibi, bias_kind=bias_kind))
    if not padded:
        other[3] = None
    got, grads, node = _call(other, causal)
    monkeypatch.setenv("FLASHSIGMOID_NATIVE", "0")
    want, want_grads, _ = _call(other, causal)
    assert "EagerAttention" not in _node(node)
    assert rel_err(got, want) < 1e-6
    for g, w in zip(grads, want_grads, strict=True):
        assert rel_err(g, w) < 1e-5


def test_a_backward_recorded_after_a_no_grad_forward(ext, monkeypatch):
    """The key's first call runs without grad, so its first C++ node has no backward recipe:
    that backward runs in Python (and is recorded), the next one in C++."""
    monkeypatch.setenv("FLASHSIGMOID_NATIVE", "1")
    problem = list(make_problem(2, 192, 4, 64, torch.bfloat16, "cuda", 1, alibi=True,
                                bias_kind="per_seq"))  # fmt: skip
    with torch.no_grad():
        first = flashsigmoid.flash_sigmoid_attn(*problem[:3], seq_lens=problem[3],
                                                bias=problem[4], alibi_slopes=problem[5])  # fmt: skip
    runs = [_call(problem, False) for _ in range(2)]
    monkeypatch.setenv("FLASHSIGMOID_NATIVE", "0")
    want, want_grads, _ = _call(problem, False)
    assert rel_err(first, want) < 1e-6
    for out, grads, node in runs:
        assert "EagerAttention" not in _node(node)
        assert rel_err(out, want) < 1e-6
        for g, w in zip(grads, want_grads, strict=True):
            assert rel_err(g, w) < 1e-5


def test_a_grad_output_laid_out_otherwise(ext, monkeypatch):
    """dO (B, N, H, D) as a transposed (B, H, N, D) tensor: made contiguous, then replayed."""
    monkeypatch.setenv("FLASHSIGMOID_NATIVE", "1")
    problem = list(make_problem(2, 160, 4, 64, torch.bfloat16, "cuda", 2, alibi=False,
                                bias_kind="log_n_named"))  # fmt: skip
    problem[3] = None
    gen = torch.Generator(device="cuda").manual_seed(3)
    grad_out = torch.randn(2, 4, 160, 64, device="cuda", dtype=torch.bfloat16, generator=gen)
    grad_out = grad_out.transpose(1, 2)
    runs = [_call(problem, False, grad_out) for _ in range(3)]
    monkeypatch.setenv("FLASHSIGMOID_NATIVE", "0")
    _, want_grads, _ = _call(problem, False, grad_out)
    for _, grads, _ in runs:
        for g, w in zip(grads, want_grads, strict=True):
            assert rel_err(g, w) < 1e-5


def test_each_key_is_recorded_once(ext, monkeypatch):
    """A new length is a new key; a repeated one is not."""
    monkeypatch.setenv("FLASHSIGMOID_NATIVE", "1")
    sizes = []
    for n in (70, 71, 70, 71):
        problem = list(make_problem(1, n, 2, 64, torch.bfloat16, "cuda", 4, alibi=False,
                                    bias_kind="none"))  # fmt: skip
        problem[3] = None
        _call(problem, False)
        sizes.append(ext.size())
    assert sizes[1] == sizes[0] + 1 and sizes[3] == sizes[1]


def test_cuda_graph_capture_of_replayed_calls(ext, monkeypatch):
    """A replayed forward + backward captures into a CUDA graph and replays to the same
    gradients (its allocations come from the graph's pool)."""
    monkeypatch.setenv("FLASHSIGMOID_NATIVE", "1")
    problem = list(make_problem(2, 128, 4, 64, torch.bfloat16, "cuda", 5, alibi=False,
                                bias_kind="log_n_named"))  # fmt: skip
    problem[3] = None
    _, want_grads, _ = _call(problem, False)
    stream = torch.cuda.Stream()
    stream.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(stream):
        _call(problem, False)
    torch.cuda.current_stream().wait_stream(stream)
    graph = torch.cuda.CUDAGraph()
    with torch.cuda.graph(graph):
        _, grads, node = _call(problem, False)
    graph.replay()
    torch.cuda.synchronize()
    assert "EagerAttention" not in _node(node)
    for g, w in zip(grads, want_grads, strict=True):
        assert rel_err(g, w) < 1e-5
