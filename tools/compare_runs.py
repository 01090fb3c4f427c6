"""Training losses of several exp dirs side by side: a table, their differences and a plot.

    python tools/compare_runs.py EXP_A EXP_B [...] [--every 50] [--window 50] [--plot FILE]

Reads each run's ``metrics.jsonl``. Prints the per-token training loss of every run at every
``--every``-th step, then for each run against the first (the reference) the largest relative
difference over the steps all runs share, step by step and as means over windows of
``--window`` steps (which smooths out batch-to-batch noise when the runs drew different
batches), each run's mean loss over the last window, and its last validation loss and WER per
dev set. ``--plot`` draws the loss curves to a PNG, faint per step and bold as window means.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sigasr.train.metrics import METRICS_FILE, read_metrics  # noqa: E402


def train_losses(exp_dir: Path) -> dict[int, float]:
    """Step -> training loss (finite steps only)."""
    entries = read_metrics(exp_dir / METRICS_FILE)
    if not entries:
        raise SystemExit(f"compare_runs: {exp_dir / METRICS_FILE}: no metrics")
    return {e["step"]: e["loss"] for e in entries if e["kind"] == "train" and e["loss"] is not None}


def last_validation(exp_dir: Path) -> dict[str, tuple[int, float, float]]:
    """Dev set -> (step, loss, WER %) of its last validation."""
    valid = [e for e in read_metrics(exp_dir / METRICS_FILE) if e["kind"] == "valid"]
    return {e["set"]: (e["step"], e["loss"], e["wer"]) for e in valid}


def _number(value: float | None, spec: str) -> str:
    """metrics.jsonl writes non-finite values as null."""
    return "non-finite" if value is None else format(value, spec)


def window_means(losses: dict[int, float], steps: list[int], window: int) -> list[float]:
    return [
        statistics.fmean(losses[s] for s in steps[i : i + window])
        for i in range(0, len(steps) - window + 1, window)
    ]


def max_relative_difference(a: list[float], b: list[float]) -> float:
    return max(abs(x - y) / abs(x) for x, y in zip(a, b, strict=True))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("exp_dirs", nargs="+", type=Path)
    parser.add_argument("--every", type=int, default=50, help="table row every N steps")
    parser.add_argument("--window", type=int, default=50, help="steps per averaging window")
    parser.add_argument("--plot", type=Path, help="write the loss curves to this PNG")
    args = parser.parse_args(argv)
    if len(args.exp_dirs) < 2:
        parser.error("give at least two exp dirs")
    names = [d.name for d in args.exp_dirs]
    runs = [train_losses(d) for d in args.exp_dirs]
    shared = sorted(set.intersection(*(set(r) for r in runs)))
    if not shared:
        raise SystemExit("compare_runs: the runs share no finite training step")

    width = max(10, *(len(n) for n in names))
    print(f"{'step':>6} " + " ".join(f"{n:>{width}}" for n in names))
    for step in shared:
        if step % args.every == 0 or step == shared[0]:
            print(f"{step:>6} " + " ".join(f"{r[step]:>{width}.4f}" for r in runs))

    reference = runs[0]
    tail = shared[-args.window :]
    print(f"\nagainst {names[0]}, steps {shared[0]}-{shared[-1]} ({len(shared)} shared):")
    print(
        f"{'run':<{width}}  max rel. diff per step  max rel. diff of {args.window}-step means"
        f"  mean loss of the last {len(tail)} steps"
    )
    for name, run in zip(names, runs, strict=True):
        per_step, windows = "-", "-"  # the reference, or fewer shared steps than one window
        if run is not reference:
            ref_steps, run_steps = [reference[s] for s in shared], [run[s] for s in shared]
            per_step = f"{max_relative_difference(ref_steps, run_steps):.2%}"
        if run is not reference and len(shared) >= args.window:
            ref_means = window_means(reference, shared, args.window)
            run_means = window_means(run, shared, args.window)
            windows = f"{max_relative_difference(ref_means, run_means):.2%}"
        mean = statistics.fmean(run[s] for s in tail)
        print(f"{name:<{width}}  {per_step:>22}  {windows:>34}  {mean:>24.4f}")

    print("\nlast validation (step: loss, WER %):")
    for name, exp_dir in zip(names, args.exp_dirs, strict=True):
        valid = last_validation(exp_dir)
        cells = [
            f"[{s}] step {step}: {_number(loss, '.4f')}, {_number(wer, '.2f')}%"
            for s, (step, loss, wer) in sorted(valid.items())
        ]
        print(f"{name:<{width}}  " + ("; ".join(cells) if cells else "none"))

    if args.plot:
        fig, ax = plt.subplots(figsize=(8, 4.5))
        for name, run in zip(names, runs, strict=True):
            steps = sorted(run)
            (raw,) = ax.plot(steps, [run[s] for s in steps], linewidth=0.6, alpha=0.3)
            means = window_means(run, steps, args.window)
            centers = [
                steps[i + args.window // 2] for i in range(0, len(means) * args.window, args.window)
            ]
            ax.plot(centers, means, color=raw.get_color(), marker="o", markersize=3, label=name)
        ax.set_xlabel("optimizer step")
        ax.set_ylabel("training CTC loss per token")
        ax.set_yscale("log")
        ax.grid(alpha=0.3)
        ax.legend()
        fig.tight_layout()
        args.plot.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(args.plot, dpi=120)
        print(f"\nplot: {args.plot}")


if __name__ == "__main__":
    main()
