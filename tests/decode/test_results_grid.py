"""recipes/librispeech/results.sh end to end at a tiny size: corpus to report, two rows at once."""

import json
import subprocess

import pytest

from tools.tiny_corpus import ROOT, TINY_MODEL

SCRIPT = ROOT / "recipes/librispeech/results.sh"
SIZE = ["--hours", "0.05", "--eval-minutes", "0.2", "--talk-rounds", "1", "--long-form", "30 60",
        "--steps", "20", "--max-duration", "20", "--jobs", "1"]  # fmt: skip
ROWS = ["sigmoid_alibi_logn", "softmax_rope"]


def results_sh(*args: str, cwd) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", str(SCRIPT), *args], cwd=cwd, capture_output=True, text=True)


@pytest.mark.slow
def test_grid_from_nothing_to_report(tmp_path):
    overrides = ["--", *TINY_MODEL, "data.num_workers=0", "decode.avg=1"]
    args = [*SIZE, "--parallel", "2", "--rows", " ".join(ROWS), *overrides]
    proc = results_sh(*args, cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]

    report = tmp_path / "grid" / "report"
    rows = json.loads((report / "results.json").read_text())["rows"]
    assert list(rows) == ROWS
    sets = ["dev-clean", "dev-other", "test-clean", "test-other", "tedlium-0-10s",
            "tedlium-10-20s", "tedlium-20-30s", "tedlium-30s+", "tedlium-long-30s",
            "tedlium-long-60s"]  # fmt: skip
    for row in rows.values():
        assert sorted(row["wer"]) == sorted(sets)
        assert all(w["words"] > 0 for w in row["wer"].values())
        assert row["curve"]["step"] == list(range(1, 21)) and row["parallel"] == 2
        assert row["steps"] == 20 and row["batch_seconds"] == 20 and row["max_train_utt_s"] == 15
    assert rows["softmax_rope"]["attention"] == "softmax" and rows["softmax_rope"]["pos"] == "rope"
    command = rows["softmax_rope"]["command"]
    assert command.startswith("bash recipes/librispeech/results.sh --rows softmax_rope --steps 20")
    assert "0-10s" in (report / "results.md").read_text()
    assert len(list((report / "img").glob("*.png"))) == 3

    again = results_sh(*args, cwd=tmp_path)  # every stage is done: only the report runs again
    assert again.returncode == 0, again.stderr[-3000:]
    assert again.stdout.count("done before, skipped") == 3 + 2 * len(ROWS)


def test_unknown_row_is_refused(tmp_path):
    proc = results_sh("--rows", "sigmoid_alibi_logn nope", cwd=tmp_path)
    assert proc.returncode == 2
    assert "no row config" in proc.stderr and "nope.yaml" in proc.stderr


def test_talks_too_short_for_the_long_form_windows_are_refused(tmp_path):
    proc = results_sh("--talk-rounds", "42", "--long-form", "300 3600", cwd=tmp_path)
    assert proc.returncode == 2
    assert "--talk-rounds 53 or more" in proc.stderr and "got 42" in proc.stderr
    assert not (tmp_path / "grid").exists()  # refused before any work
