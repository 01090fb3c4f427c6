"""tools/results_report.py on exp dirs of a real tiny training run: tables, JSON merge, plots."""

import importlib.util
import json
import shutil

import pytest
from omegaconf import OmegaConf

from sigasr.decode.scoring import score, write_results
from sigasr.train.metrics import METRICS_FILE, read_metrics
from tools.tiny_corpus import ROOT, sigasr, train_args

spec = importlib.util.spec_from_file_location("results_report", ROOT / "tools/results_report.py")
report = importlib.util.module_from_spec(spec)
spec.loader.exec_module(report)


def _decoded(exp_dir, wers: dict[str, tuple[str, str]], folder: str = "") -> None:
    for name, (ref, hyp) in wers.items():
        scored = score([f"{name}-0"], [ref], [hyp])
        write_results(exp_dir / "decode" / folder, name, scored, "step-8-avg-2")


def test_spike_rule():
    norms = [1.0] * 30 + [6.0] + [1.0] * 5 + [None, 4.0]
    count, indices, worst = report.count_spikes(norms)
    assert (count, indices, worst) == (1, [30], 6.0)
    assert report.count_spikes([50.0] + [1.0] * 10) == (0, [], None)  # too little history


def test_report_tables_plots_and_merge(corpus, tmp_path):
    first = tmp_path / "exp" / "sigmoid_row"
    steps = ["train.max_steps=6", "train.save_every=6", "train.valid_every=0"]
    trained = sigasr(*train_args(corpus, first, *steps), cwd=ROOT)
    assert trained.returncode == 0, trained.stderr[-3000:]
    (first / "command.txt").write_text("bash recipes/librispeech/results.sh --rows sigmoid_row\n")
    (first / "parallel.txt").write_text("2\n")
    _decoded(first, {"test-clean": ("A B C D", "A B X D"), "tedlium-30s+": ("A B", "A B"),
                     "tedlium-long-300s": ("A B", "B"), "tedlium-long-60s": ("A", "A")})  # fmt: skip
    _decoded(first, {"tedlium-long-300s": ("A B", "A B"), "tedlium-long-60s": ("A", "B")},
             folder="chunk-30s")  # fmt: skip

    second = tmp_path / "exp" / "softmax_row"
    shutil.copytree(first, second, ignore=shutil.ignore_patterns("decode", "command.txt"))
    cfg = OmegaConf.load(second / "config.yaml")
    cfg.model.encoder.attention.kind = "softmax"
    OmegaConf.save(cfg, second / "config.yaml")
    _decoded(second, {"test-clean": ("A B C D", "A B C D")})

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "results.md").write_text(
        f"# Results\n\nintro\n\n{report.BEGIN}\nold\n{report.END}\n\nreading\n"
    )
    out = ["--out", str(docs / "results.md"), "--plots", str(docs / "img")]
    assert report.main(["--exp-dirs", str(first), "--json", str(tmp_path / "a.json"), *out]) == 0
    assert report.main(["--exp-dirs", str(second), "--merge", str(tmp_path / "a.json"),
                        "--json", str(docs / "results.json"), *out]) == 0  # fmt: skip

    text = (docs / "results.json").read_text()
    assert text == json.dumps(json.loads(text), separators=(",", ":")) + "\n"  # compact
    rows = json.loads(text)["rows"]
    assert list(rows) == ["sigmoid_row", "softmax_row"]
    sig, soft = rows["sigmoid_row"], rows["softmax_row"]
    assert sig["wer"]["test-clean"] == {"wer": 25.0, "errors": 1, "words": 4}
    assert soft["wer"] == {"test-clean": {"wer": 0.0, "errors": 0, "words": 4}}
    assert (sig["attention"], sig["bias"], soft["attention"], soft["bias"]) == (
        "sigmoid", "-log n", "softmax", "-"
    )  # fmt: skip
    metrics = [e for e in read_metrics(first / METRICS_FILE) if e["kind"] == "train"]
    assert sig["curve"]["step"] == list(range(1, 7))
    assert sig["curve"]["grad_norm"] == [float(f"{e['grad_norm']:.4g}") for e in metrics]
    assert sig["curve"]["loss"] == pytest.approx([e["loss"] for e in metrics], rel=5e-4)
    assert sig["median_step_ms"] is None  # every step is within the first WARM_STEPS
    assert sig["max_spike_ratio"] is None  # too few steps to judge spikes
    assert sig["parallel"] == 2 and sig["params_m"] > 0

    md = (docs / "results.md").read_text()
    assert md.startswith("# Results\n\nintro\n\n") and md.endswith("\n\nreading\n")
    assert "old" not in md
    assert "| sigmoid_row | sigmoid | alibi | -log n | no | - | - | - | 25.00 | - |" in md
    assert "| row | 30s+ | 60s (long) | 300s (long) |" in md
    assert "| sigmoid_row | 0.00 | 0.00 | 50.00 |" in md  # long-form sets in length order
    # one pass against chunks, for the row that has chunked results only
    assert "| row | 60s: one pass | 60s: 30s | 300s: one pass | 300s: 30s |" in md
    assert "| sigmoid_row | 0.00 | 100.00 | 50.00 | 0.00 |" in md
    assert sig["wer_chunked"]["30s"]["tedlium-long-300s"]["wer"] == 0.0
    assert "results.sh --rows sigmoid_row" in md and "# softmax_row: no command recorded" in md
    for name in ("results-wer-by-length.png", "results-loss.png", "results-grad-norm.png"):
        assert (docs / "img" / name).stat().st_size > 10_000
    assert "](img/results-loss.png)" in md
