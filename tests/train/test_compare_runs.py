"""tools/compare_runs.py: the per-step table, the differences against the first run, the plot."""

import json

import pytest

from tools.compare_runs import main


def write_run(exp_dir, losses, valid=None):
    exp_dir.mkdir()
    lines = [{"kind": "train", "step": i + 1, "loss": loss} for i, loss in enumerate(losses)]
    if valid:
        lines.append({"kind": "valid", "step": len(losses), "set": "dev", **valid})
    (exp_dir / "metrics.jsonl").write_text("".join(json.dumps(x) + "\n" for x in lines))


def test_differences_means_and_plot(tmp_path, capsys):
    write_run(tmp_path / "a", [4.0, 2.0, 1.0, 1.0], {"loss": 0.5, "wer": 12.5})
    write_run(tmp_path / "b", [4.0, 2.0, 1.5, 0.5, 9.0], {"loss": None, "wer": 80.0})
    main([str(tmp_path / "a"), str(tmp_path / "b"), "--every", "2", "--window", "2",
          "--plot", str(tmp_path / "loss.png")])  # fmt: skip
    out = capsys.readouterr().out
    differences = out[out.index("against a") : out.index("last validation")].splitlines()
    lines = {line.split()[0]: line.split() for line in differences[2:] if line.strip()}
    # Step by step the largest difference is 50 % (steps 3 and 4); the 2-step means are 3
    # and 1 in both runs, and so are the means of the last 2 steps.
    assert lines["b"][1:] == ["50.00%", "0.00%", "1.0000"]
    assert lines["a"][1:] == ["-", "-", "1.0000"]
    assert "[dev] step 4: 0.5000, 12.50%" in out
    assert "[dev] step 5: non-finite, 80.00%" in out  # step 5 is b's alone: not in the diffs
    assert "steps 1-4 (4 shared)" in out
    assert (tmp_path / "loss.png").stat().st_size > 0


def test_needs_two_runs_with_metrics(tmp_path):
    write_run(tmp_path / "a", [1.0])
    with pytest.raises(SystemExit):
        main([str(tmp_path / "a")])
    (tmp_path / "empty").mkdir()
    with pytest.raises(SystemExit, match="no metrics"):
        main([str(tmp_path / "a"), str(tmp_path / "empty")])
