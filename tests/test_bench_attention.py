"""`sigasr bench attention --shapes`: shapes are parsed (and refused) before any GPU is needed;
the autotuner's picks are listed for the benchmark's report."""

import pytest
import torch

from flashsigmoid.tiles import Tile
from sigasr.benchmarks.attention import Shape, main, parse_shape


def test_parse_shape():
    assert parse_shape("4,16,4096,128") == Shape(4, 16, 4096, 128)
    assert parse_shape("32,8,750,64,padded") == Shape(32, 8, 750, 64, padded=True)
    for bad in ("1,2,3", "1,2,3,4,causal", "a,2,3,4"):
        with pytest.raises(ValueError, match=bad):
            parse_shape(bad)


def test_bad_shape_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--shapes", "64,8,256"])
    assert exit_info.value.code == 2
    assert "shape '64,8,256'" in capsys.readouterr().err


def test_autotuner_picks_are_listed_by_kernel_bucket_and_head_dim(monkeypatch):
    from flashsigmoid import tuning

    def _forward_kernel():  # stands in for the kernel (importing it here would fix Triton's mode)
        pass

    kwargs = dict(BLOCK_M=64, BLOCK_N=32, num_warps=4, num_stages=3, TMA=True, num_ctas=1)
    key = (_forward_kernel, 2048, torch.bfloat16, ("HEAD_DIM", 64), ("CAUSAL", False))
    monkeypatch.setattr(tuning, "_TUNED", {key: Tile.of(kwargs)})
    assert tuning.picks() == ["forward_kernel, N <= 2048, D = 64: 64 x 32, 4 warps, 3 st, TMA"]
    assert Tile.of({**kwargs, "TMA": False}).label() == "64 x 32, 4 warps, 3 st"


def test_tiles_become_configs_with_tma_and_the_register_cap():
    from flashsigmoid import tuning

    tiles = [Tile(64, 64, 4, 3), Tile(64, 32, 4, 3, tma=True), Tile(128, 64, 8, 3, maxnreg=128)]
    plain, tma, capped = tuning.configs(tiles)
    assert (plain.kwargs["TMA"], plain.maxnreg) == (False, None)
    assert (tma.kwargs["TMA"], tma.maxnreg) == (True, None)
    assert (capped.kwargs, capped.num_warps, capped.maxnreg) == (
        dict(BLOCK_M=128, BLOCK_N=64, TMA=False),
        8,
        128,
    )
    assert Tile.of(capped.all_kwargs()) == tiles[2]
    assert tiles[2].label() == "128 x 64, 8 warps, 3 st, <= 128 regs"


def test_markdown_lists_the_picked_tiles(monkeypatch):
    from sigasr.benchmarks import attention as benchmark

    monkeypatch.setattr(torch.cuda, "get_device_name", lambda: "test GPU")
    row = dict(shape="16,8,1500,64", kernel="flashsigmoid", fwd_ms=0.2, bwd_ms=0.5, total_ms=0.7,
               fwd_tflops=380.0, bwd_tflops=310.0, total_tflops=330.0,
               tiles=["forward_kernel, N <= 2048, D = 64: 128 x 64, 4 warps, 3 st"])  # fmt: skip
    text = benchmark.markdown([row, {**row, "kernel": "sdpa-cudnn", "tiles": []}])
    assert "| 16,8,1500,64 | sdpa-cudnn | 380 | 310 | 330 | 1.00x / 1.00x |" in text
    assert text.rstrip().endswith(
        "- 16,8,1500,64: forward_kernel, N <= 2048, D = 64: 128 x 64, 4 warps, 3 st"
    )
