"""`sigasr bench one-pass --compare` and `sigasr bench cpu` on the CPU with tiny lengths:
every variant runs in its own process and lands in the table, or says why it did not."""

import re

from sigasr.benchmarks import cpu, one_pass
from sigasr.benchmarks.passes import VARIANTS, PassResult, run_variant

DEMO = "recipes/librispeech/conf/demo.yaml"


def _rows(out: str) -> list[list[str]]:
    return [
        [cell.strip() for cell in line.strip("|").split("|")]
        for line in out.splitlines()
        if re.match(r"\| [0-9.]+ \|", line)
    ]


def test_compare_runs_every_variant_on_the_cpu(capsys):
    variants = ["sigmoid alibi", "softmax rope (sdpa cudnn)", "softmax alibi (sdpa, N^2 bias)"]
    argv = ["--compare", "--device", "cpu", "--config", DEMO, "--minutes", "0.02", "0.01"]
    assert one_pass.main([*argv, "--repeats", "1", "--variants", *variants]) == 0
    rows = _rows(capsys.readouterr().out)
    assert [(r[0], r[1]) for r in rows] == [(m, v) for m in ("0.01", "0.02") for v in variants]
    for _, variant, seconds, rtfx, memory, ratio in rows:
        if "cudnn" in variant:
            assert seconds == "needs CUDA" and not rtfx
            continue
        assert float(seconds) > 0 and float(rtfx) > 0 and float(memory) > 0.1
        assert ratio.endswith("x")
    assert all(r[5] == "1.00x" for r in rows if r[1] == "sigmoid alibi")


def test_bench_cpu_table(capsys):
    argv = ["--seconds", "0.5", "--threads", "1", "--repeats", "1", "--rounds", "2",
            "--config", DEMO]  # fmt: skip
    assert cpu.main([*argv, "--variants", "sigmoid alibi", cpu.BASELINE]) == 0
    out = capsys.readouterr().out
    assert "load average" in out and "1 threads" in out
    assert "sigmoid alibi (round 2 of 2)" in out and "median of 2 rounds" in out
    (sig, soft) = _rows(out)
    assert sig[1] == "sigmoid alibi" and float(sig[2]) > 0 and soft[6] == "1.00x"


def test_rounds_keep_the_median_round():
    def result(ms, error=""):
        return PassResult("v", 10.0, median_s=ms / 1e3, error=error)

    rounds = [result(30), result(10), result(0, "out of memory"), result(20), result(50)]
    assert cpu._median_round(rounds).median_s == 0.020  # of 10, 20, 30, 50: the lower middle
    failed = [result(0, "process ended with 1"), result(0, "out of memory")]
    assert cpu._median_round(failed).error == "process ended with 1"


def test_a_child_that_dies_is_reported_for_each_length():
    """A variant whose process fails (here: a config that does not exist) fills its rows with
    the reason instead of stopping the comparison."""
    rows = run_variant(VARIANTS["sigmoid alibi"], [1.0, 2.0], config="missing.yaml", device="cpu")
    assert [r.error for r in rows] == ["process ended with 1"] * 2
