"""Which forwards and backwards the Gluon kernels for Hopper take (hopper.applies, on CPU
tensors with the GPU facts patched in)."""

import dataclasses

import pytest
import torch

from flashsigmoid import hopper, hopper_backward, hopper_forward, tuning


@pytest.fixture
def on_hopper(monkeypatch):
    """applies() as on an H100 with TMA-ready inputs; returns (q, k, v, opts) of a base case."""
    monkeypatch.setattr(hopper, "tma_mode", lambda opts, *tensors: "auto")
    monkeypatch.setattr(hopper, "_is_sm90", lambda device: True)
    monkeypatch.delenv("FLASHSIGMOID_HOPPER", raising=False)
    q, k, v = (torch.randn(2, 100, 4, 64, dtype=torch.bfloat16) for _ in range(3))
    opts = dataclasses.replace(tuning.kernel_options(q, 100, 64), interpret=False)
    return q, k, v, opts


def test_unpadded_non_causal_16_bit_head_dense_batches_run_on_hopper(on_hopper):
    q, k, v, opts = on_hopper
    assert hopper_forward.applies(q, k, v, None, None, False, opts)
    fused = torch.randn(2, 100, 3, 4, 64, dtype=torch.bfloat16).unbind(2)  # qkv views
    assert hopper_forward.applies(*fused, None, None, False, opts)
    half = [t.half() for t in (q, k, v)]
    assert hopper_forward.applies(*half, None, None, False, opts)


def test_everything_else_takes_the_triton_forward(on_hopper, monkeypatch):
    q, k, v, opts = on_hopper
    lens, slopes = torch.tensor([100, 50]), torch.ones(4)
    assert not hopper_forward.applies(q, k, v, lens, None, False, opts)
    assert not hopper_forward.applies(q, k, v, None, slopes, False, opts)
    assert not hopper_forward.applies(q, k, v, None, None, True, opts)
    assert not hopper_forward.applies(q, k, v, None, None, False, dataclasses.replace(opts, interpret=True))  # fmt: skip
    fp32 = [t.float() for t in (q, k, v)]
    assert not hopper_forward.applies(*fp32, None, None, False, opts)
    d32 = [t[..., :32] for t in (q, k, v)]
    assert not hopper_forward.applies(*d32, None, None, False, opts)
    head_major = [t.transpose(1, 2).contiguous().transpose(1, 2) for t in (q, k, v)]
    assert not hopper_forward.applies(*head_major, None, None, False, opts)
    monkeypatch.setenv("FLASHSIGMOID_HOPPER", "0")
    assert not hopper_forward.applies(q, k, v, None, None, False, opts)


def test_no_tma_or_no_sm90_takes_the_triton_forward(on_hopper, monkeypatch):
    q, k, v, opts = on_hopper
    monkeypatch.setattr(hopper, "tma_mode", lambda opts, *tensors: "off")
    assert not hopper_forward.applies(q, k, v, None, None, False, opts)
    monkeypatch.setattr(hopper, "tma_mode", lambda opts, *tensors: "on")
    monkeypatch.setattr(hopper, "_is_sm90", lambda device: False)
    assert not hopper_forward.applies(q, k, v, None, None, False, opts)


@pytest.mark.parametrize("dim, n", [(64, 256), (64, 1024), (64, 1025), (64, 16384), (128, 1)])
def test_tiles_cover_whole_warpgroups(dim, n):
    tiles = hopper_forward.tiles_for(dim, n)
    assert tiles.num_warps % 4 == 0 and tiles.block_m == 16 * tiles.num_warps
    assert tiles.programs_per_sm >= 1


def test_the_backward_runs_on_hopper_at_head_dim_128_with_a_head_dense_do(on_hopper):
    q, k, v, opts = on_hopper
    assert not hopper_backward.applies(q, k, v, q, None, None, False, opts)  # D = 64
    q, k, v = (torch.randn(2, 100, 4, 128, dtype=torch.bfloat16) for _ in range(3))
    opts = dataclasses.replace(tuning.kernel_options(q, 100, 128), interpret=False)
    do = torch.randn_like(q)
    assert hopper_backward.applies(q, k, v, do, None, None, False, opts)
    assert hopper_forward.applies(q, k, v, None, None, False, opts)
    head_major = do.transpose(1, 2).contiguous().transpose(1, 2)
    assert not hopper_backward.applies(q, k, v, head_major, None, None, False, opts)
    assert not hopper_backward.applies(q, k, v, do, torch.tensor([100, 9]), None, False, opts)
