"""When the kernels may read whole tiles through TMA descriptors (dispatch.Plan.tma), and which
autotuning configs each mode keeps (tuning.prune_tma)."""

import torch

from flashsigmoid import dispatch, tuning
from flashsigmoid.tiles import Tile


def _mode(t, env, monkeypatch):
    monkeypatch.setenv("FLASHSIGMOID_TMA", env)
    return dispatch.route(t, t, t, None, None, False).tma


def test_tma_needs_16_byte_strides_and_start(interpret, monkeypatch):
    x = torch.randn(2, 33, 4, 72)  # 72 x 4 bytes per head row: whole 16-byte units
    assert _mode(x, "", monkeypatch) == "auto"
    assert _mode(x, "1", monkeypatch) == "on"
    assert _mode(x, "0", monkeypatch) == "off"
    assert _mode(x[..., 1:65], "1", monkeypatch) == "off"  # starts 4 bytes in
    assert _mode(torch.randn(2, 33, 4, 60).half(), "1", monkeypatch) == "off"  # 120-byte heads
    assert _mode(x.half()[:, :, :, :60], "1", monkeypatch) == "on"  # a view: 144-byte heads
    assert _mode(x[:, :1].expand(2, 33, 4, 72), "1", monkeypatch) == "off"  # rows overlap
    assert _mode(x[:1].expand(2, 33, 4, 72), "1", monkeypatch) == "off"  # one batch for two
    assert _mode(x[:, :, :1].expand(2, 33, 4, 72), "1", monkeypatch) == "off"  # shared head
    assert _mode(x[:, :1], "1", monkeypatch) == "on"  # one row: its stride is never used


def test_no_tma_for_cpu_tensors_outside_the_interpreter(monkeypatch):
    monkeypatch.setenv("TRITON_INTERPRET", "0")
    assert _mode(torch.randn(1, 8, 2, 64), "1", monkeypatch) == "off"


def test_pruning_keeps_the_configs_of_the_mode():
    configs = tuning.configs([Tile(64, 64, 4, 3), Tile(64, 64, 4, 3, tma=True), Tile(32, 64, 4, 3)])
    for mode, want in (("off", [False, False]), ("on", [True]), ("auto", [False, True, False])):
        kept = tuning.prune_tma(configs, {}, TMA_MODE=mode)
        assert [c.kwargs["TMA"] for c in kept] == want
