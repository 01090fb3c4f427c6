"""Which calls dispatch.route sends to the Gluon kernels for Hopper (CPU tensors, with the GPU
facts patched in)."""

import pytest
import torch

from flashsigmoid import dispatch
from flashsigmoid.tiles import hopper_forward_tiles


@pytest.fixture
def on_hopper(interpret, monkeypatch):
    """route() as on an H100 or H200, outside the interpreter; returns q, k, v of a base case.

    The kernels' modules are imported first with TRITON_INTERPRET=1, the mode the test
    session's Triton runs in (tests/conftest.py)."""
    from flashsigmoid import backward, forward, hopper_backward, hopper_forward  # noqa: F401

    monkeypatch.setattr(dispatch, "_has_tma", lambda device: True)
    monkeypatch.setattr(dispatch, "_is_sm90", lambda device: True)
    for name in ("TRITON_INTERPRET", "FLASHSIGMOID_HOPPER", "FLASHSIGMOID_TMA"):
        monkeypatch.delenv(name, raising=False)
    return tuple(torch.randn(2, 100, 4, 64, dtype=torch.bfloat16) for _ in range(3))


def _forward_of(q, k, v, seq_lens=None, slopes=None, causal=False):
    return dispatch.route(q, k, v, seq_lens, slopes, causal).forward


def test_unpadded_non_causal_16_bit_head_dense_batches_run_on_hopper(on_hopper):
    from flashsigmoid import hopper_forward

    q, k, v = on_hopper
    assert _forward_of(q, k, v) is hopper_forward.forward
    fused = torch.randn(2, 100, 3, 4, 64, dtype=torch.bfloat16).unbind(2)  # qkv views
    assert _forward_of(*fused) is hopper_forward.forward
    assert _forward_of(*(t.half() for t in (q, k, v))) is hopper_forward.forward


def test_everything_else_takes_the_triton_forward(on_hopper, monkeypatch):
    from flashsigmoid import forward

    q, k, v = on_hopper
    assert _forward_of(q, k, v, seq_lens=torch.tensor([100, 50])) is forward.forward
    assert _forward_of(q, k, v, slopes=torch.ones(4)) is forward.forward
    assert _forward_of(q, k, v, causal=True) is forward.forward
    assert _forward_of(*(t.float() for t in (q, k, v))) is forward.forward
    assert _forward_of(*(t[..., :32] for t in (q, k, v))) is forward.forward
    head_major = [t.transpose(1, 2).contiguous().transpose(1, 2) for t in (q, k, v)]
    assert _forward_of(*head_major) is forward.forward
    monkeypatch.setenv("FLASHSIGMOID_HOPPER", "0")
    assert _forward_of(q, k, v) is forward.forward
    monkeypatch.setenv("FLASHSIGMOID_HOPPER", "1")
    monkeypatch.setenv("TRITON_INTERPRET", "1")
    assert _forward_of(q, k, v) is forward.forward


def test_no_tma_or_no_sm90_takes_the_triton_forward(on_hopper, monkeypatch):
    from flashsigmoid import forward, hopper_forward

    q, k, v = on_hopper
    monkeypatch.setenv("FLASHSIGMOID_TMA", "0")
    assert _forward_of(q, k, v) is forward.forward
    monkeypatch.setenv("FLASHSIGMOID_TMA", "1")
    assert _forward_of(q, k, v) is hopper_forward.forward
    monkeypatch.setattr(dispatch, "_is_sm90", lambda device: False)
    dispatch._plan.cache_clear()
    assert _forward_of(q, k, v) is forward.forward


@pytest.mark.parametrize("dim, n", [(64, 256), (64, 1024), (64, 1025), (64, 16384), (128, 1)])
def test_tiles_cover_whole_warpgroups(dim, n):
    tiles = hopper_forward_tiles(dim, n)
    assert tiles.num_warps % 4 == 0 and tiles.block_m == 16 * tiles.num_warps
    assert tiles.programs_per_sm >= 1


def test_the_backward_runs_on_hopper_at_head_dim_128_with_a_head_dense_do(on_hopper):
    from flashsigmoid import backward, hopper_backward, hopper_forward

    q, k, v = on_hopper
    assert dispatch.route(q, k, v, None, None, False).backward is backward.backward  # D = 64
    q, k, v = (torch.randn(2, 100, 4, 128, dtype=torch.bfloat16) for _ in range(3))
    plan = dispatch.route(q, k, v, None, None, False)
    assert plan.forward is hopper_forward.forward
    assert plan.backward is hopper_backward.backward
    assert dispatch.route_backward(plan, q, torch.randn_like(q)) is plan
    head_major = torch.randn_like(q).transpose(1, 2).contiguous().transpose(1, 2)
    assert dispatch.route_backward(plan, q, head_major).backward is backward.backward
    unaligned = torch.randn(q.numel() + 1, dtype=q.dtype)[1:].view(q.shape)
    triton_plan = dispatch.route_backward(plan, q, unaligned)
    assert triton_plan.backward is backward.backward and triton_plan.tma == "off"
    padded = dispatch.route(q, k, v, torch.tensor([100, 9]), None, False)
    assert padded.backward is backward.backward
