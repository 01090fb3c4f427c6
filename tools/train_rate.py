"""A training run's throughput over a range of steps, from its ``metrics.jsonl``.

    python tools/train_rate.py EXP_DIR [--from-step 101] [--to-step N] [--min-audio S]

Prints the steps counted, their audio hours, audio seconds per second (the steps' audio over
the steps' own time: validation and checkpoints are not step time), the median and slowest
step, and the mean of the NVML GPU-busy samples the steps recorded (on a GPU). Exact where the
progress line's rate is a moving window. With --min-audio, a second row counts only the steps
whose batches held at least S seconds of audio (not the short last batches of a bucketing
sampler's epoch).
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sigasr.train.metrics import METRICS_FILE, read_metrics  # noqa: E402


def train_rate(entries: list[dict], first: int, last: int | None, min_audio: float = 0.0) -> dict:
    """Totals of the ``train`` entries with ``first <= step <= last`` (``last`` None: all)
    whose step drew at least ``min_audio`` seconds of audio."""
    steps = [
        e for e in entries
        if e["kind"] == "train" and e["step"] >= first and (last is None or e["step"] <= last)
    ]  # fmt: skip
    missing = [e["step"] for e in steps if "audio_s" not in e]
    if missing:
        raise SystemExit(f"steps {missing[0]}..{missing[-1]} have no audio_s (an older run)")
    steps = [e for e in steps if e["audio_s"] >= min_audio]
    if not steps:
        at_least = f" with at least {min_audio:g} s of audio" if min_audio else ""
        raise SystemExit(f"no training step in [{first}, {last or 'end'}]{at_least}")
    ms = [e["step_ms"] for e in steps]
    busy = [e["gpu_busy"] for e in steps if e.get("gpu_busy") is not None]
    slowest = max(steps, key=lambda e: e["step_ms"])
    return {
        "steps": len(steps),
        "first": steps[0]["step"],
        "last": steps[-1]["step"],
        "audio_h": sum(e["audio_s"] for e in steps) / 3600,
        "audio_s_per_s": sum(e["audio_s"] for e in steps) / (sum(ms) / 1000),
        "median_ms": statistics.median(ms),
        "slowest": (slowest["step"], slowest["step_ms"]),
        "gpu_busy": statistics.mean(busy) if busy else None,
        "gpu_busy_samples": len(busy),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("exp_dir", type=Path)
    parser.add_argument("--from-step", type=int, default=101, help="first step counted")
    parser.add_argument("--to-step", type=int, help="last step counted (default: the last)")
    parser.add_argument(
        "--min-audio", type=float, help="also a row of the steps with at least this many seconds"
    )
    args = parser.parse_args(argv)
    path = args.exp_dir / METRICS_FILE
    if not path.is_file():
        raise SystemExit(f"{path}: no such file")
    entries = read_metrics(path)
    rows = [("", train_rate(entries, args.from_step, args.to_step))]
    if args.min_audio is not None:
        rate = train_rate(entries, args.from_step, args.to_step, args.min_audio)
        rows.append((f", batches of {args.min_audio:g} s or more", rate))
    print("| steps | audio h | audio-s / s | median ms / step | slowest step (ms) | GPU busy |")
    print("|---|---|---|---|---|---|")
    for label, r in rows:
        busy = "n/a (no NVML samples)" if r["gpu_busy"] is None else f"{r['gpu_busy']:.1f} %"
        print(f"| {r['first']}-{r['last']}{label} ({r['steps']}) | {r['audio_h']:.2f} | "
              f"{r['audio_s_per_s']:.0f} | {r['median_ms']:.1f} | {r['slowest'][0]} "
              f"({r['slowest'][1]:.0f}) | {busy} |")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
