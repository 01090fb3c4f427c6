"""Autotuned tiles persist across processes (flashsigmoid.tuned_store), and a stored pick is
what tile_for returns, so it launches without tuning again."""

import types

import pytest

from flashsigmoid import tuned_store, tuning
from flashsigmoid.tiles import Tile


class _Kernel:
    """A stand-in for a ``triton.jit`` function: what the store reads of one."""

    __name__ = "_forward_kernel"

    def __init__(self, cache_key: str):
        self.cache_key = cache_key


_kernel = _Kernel


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("TRITON_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(tuned_store, "device_id", lambda: "NVIDIA H200 sm_90 3.6.0")
    return tmp_path


KEY = ("kernel", 1024, "torch.bfloat16", ("HEAD_DIM", 64), ("CAUSAL", False))


def test_a_pick_round_trips_and_is_keyed_by_source_and_key(cache_dir):
    tile = Tile(128, 64, 4, 3, tma=True)
    tuned_store.store(_kernel("v1"), KEY, tile)
    assert tuned_store.load(_kernel("v1"), KEY) == tile
    assert tuned_store.load(_kernel("v2"), KEY) is None  # the kernel changed: tune again
    assert tuned_store.load(_kernel("v1"), (*KEY[:2], "torch.float16", *KEY[3:])) is None
    other = (KEY[0], 2048, *KEY[2:])
    tuned_store.store(_kernel("v1"), other, Tile(64, 64, 4, 3))  # adds, keeps the first
    assert tuned_store.load(_kernel("v1"), KEY) == tile
    (path,) = (cache_dir / "flashsigmoid").iterdir()
    assert path.name.startswith("forward_kernel-") and path.suffix == ".json"


def test_a_damaged_file_means_tuning_again(cache_dir):
    tuned_store.store(_kernel("v1"), KEY, Tile(64, 64, 4, 3))
    (path,) = (cache_dir / "flashsigmoid").iterdir()
    path.write_text("{not json")
    assert tuned_store.load(_kernel("v1"), KEY) is None
    path.write_text("{\"1024|torch.bfloat16|('HEAD_DIM', 64)|('CAUSAL', False)\": {\"x\": 1}}")
    assert tuned_store.load(_kernel("v1"), KEY) is None


def test_tile_for_returns_a_stored_pick(cache_dir, monkeypatch):
    """A later process finds the pick: tile_for returns it, so launch_tiled never tunes."""
    kernel, meta, dtype = _kernel("v1"), {"HEAD_DIM": 64}, "torch.bfloat16"
    plan = types.SimpleNamespace(n_bucket=1024)
    monkeypatch.setattr(tuning, "_TUNED", {})
    assert tuning.tile_for(kernel, None, meta, plan, dtype) is None  # never tuned
    tuned_store.store(kernel, tuning._tuned_key(kernel, meta, 1024, dtype), Tile(64, 32, 4, 3))
    assert tuning.tile_for(kernel, None, meta, plan, dtype) == Tile(64, 32, 4, 3)
    assert list(tuning._TUNED.values()) == [Tile(64, 32, 4, 3)]
    assert tuning.tile_for(kernel, Tile(16, 16, 4, 1), meta, plan, dtype) == Tile(16, 16, 4, 1)
