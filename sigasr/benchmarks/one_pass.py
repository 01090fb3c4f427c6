"""The longest audio that `sigasr transcribe` decodes in one pass on this GPU.

Builds a recipe's model (random weights: memory and time do not depend on them) and runs
:meth:`Transcriber.encode`, the one-pass path of ``sigasr transcribe``, on random 80-dim
features of growing length: doubling until the GPU runs out of memory (or one pass takes
longer than ``--max-pass-seconds``), then bisecting the last step to ``--precision``. Reports,
per length, the wall time of the pass, RTFx (audio seconds / wall seconds, fbank excluded) and
the peak GPU memory.

``--compare`` instead runs attention variants side by side at fixed lengths (default 10, 30,
60 and 120 min): sigmoid ALiBi, sigmoid RoPE, softmax RoPE through SDPA's cuDNN and flash
backends, and softmax ALiBi (an N^2 bias: it runs out of memory first, which is reported).
Per variant and length: seconds, RTFx, peak memory, and the time against sigmoid ALiBi's.
"""

from __future__ import annotations

import argparse
import datetime
import time

import torch

from sigasr.benchmarks.passes import VARIANTS, machine_line, run_variant
from sigasr.config import load_config
from sigasr.model import CTCModel
from sigasr.transcribe.transcriber import FRAME_SECONDS, Transcriber


def _one_pass(transcriber: Transcriber, minutes: float) -> tuple[float, float] | None:
    """(wall seconds, peak GiB) of one pass over ``minutes`` of audio; None if out of memory."""
    frames = int(minutes * 60 / FRAME_SECONDS)
    features = torch.randn(frames, 80, generator=torch.Generator().manual_seed(0))
    torch.cuda.empty_cache()
    torch.cuda.reset_peak_memory_stats()
    try:
        torch.cuda.synchronize()
        start = time.perf_counter()
        transcriber.encode(features)
        torch.cuda.synchronize()
    except torch.OutOfMemoryError:
        return None
    return time.perf_counter() - start, torch.cuda.max_memory_allocated() / 2**30


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="sigasr bench one-pass", description=__doc__)
    parser.add_argument("--config", default="recipes/librispeech/conf/conformer_ctc_100m.yaml")
    parser.add_argument("--start-minutes", type=float, default=15.0)
    parser.add_argument("--precision", type=float, default=0.05, help="relative, for bisection")
    parser.add_argument("--max-pass-seconds", type=float, default=120.0)
    parser.add_argument(
        "--memory-gib", type=float, help="cap the usable GPU memory (emulate a smaller card)"
    )
    parser.add_argument(
        "--compare", action="store_true", help="attention variants side by side at --minutes"
    )
    parser.add_argument("--minutes", type=float, nargs="+", default=[10.0, 30.0, 60.0, 120.0])
    parser.add_argument(
        "--variants", nargs="+", default=COMPARED, choices=sorted(VARIANTS), metavar="VARIANT",
        help=f"with --compare, of: {'; '.join(VARIANTS)}",
    )  # fmt: skip
    parser.add_argument("--repeats", type=int, default=2, help="with --compare: timed passes")
    parser.add_argument("--device", choices=("cuda", "cpu"), default="cuda")
    args = parser.parse_args(argv)
    if args.device == "cuda" and not torch.cuda.is_available():
        print("sigasr bench one-pass: needs a CUDA GPU; none is visible.")
        return 2
    if args.compare:
        return compare(args)
    if args.device != "cuda":
        print("sigasr bench one-pass: the search for the longest pass needs --device cuda")
        return 2
    total_gib = torch.cuda.get_device_properties(0).total_memory / 2**30
    if args.memory_gib:
        torch.cuda.set_per_process_memory_fraction(min(1.0, args.memory_gib / total_gib))
    cfg = load_config(args.config, ["model.vocab_size=501"])
    model = CTCModel(cfg.model).cuda()
    transcriber = Transcriber(model, None, torch.device("cuda"), max_one_pass_seconds=1e9)
    transcriber.encode(torch.randn(3000, 80))  # compile and autotune outside the timing

    rows: list[tuple[float, float, float]] = []

    def attempt(minutes: float) -> bool:
        result = _one_pass(transcriber, minutes)
        status = "out of memory" if result is None else f"{result[0]:.1f} s, {result[1]:.1f} GiB"
        print(f"{minutes:8.1f} min: {status}", flush=True)
        if result is not None:
            rows.append((minutes, *result))
        return result is not None and result[0] <= args.max_pass_seconds

    good, bad = 0.0, args.start_minutes
    while attempt(bad):
        good, bad = bad, bad * 2
    fits = bool(rows) and rows[-1][0] == bad  # the last length fit, but took too long
    while not fits and good > 0 and (bad - good) / good > args.precision:
        middle = (good + bad) / 2
        if attempt(middle):
            good = middle
        else:
            bad = middle
    rows.sort()
    print(
        f"\n{args.config}: {model.num_parameters() / 1e6:.1f} M parameters, bf16 autocast, "
        f"{torch.cuda.get_device_name()} ({args.memory_gib or total_gib:.0f} GiB usable); "
        f"torch {torch.__version__}; {datetime.date.today().isoformat()}\n"
    )
    print("| audio (min) | pass (s) | RTFx | peak GPU memory (GiB) |\n|---|---|---|---|")
    for minutes, seconds, peak in rows:
        print(f"| {minutes:.1f} | {seconds:.1f} | {minutes * 60 / seconds:.0f} | {peak:.1f} |")
    if fits:
        print(f"\nlongest one pass: at least {bad:.1f} min; memory was not the limit up to there")
    else:
        print(f"\nlongest one pass: {good:.1f} min ({good / 60:.2f} h); {bad:.1f} min ran out")
    return 0


COMPARED = [
    "sigmoid alibi",
    "sigmoid rope",
    "softmax rope (sdpa cudnn)",
    "softmax rope (sdpa flash)",
    "softmax alibi (sdpa, N^2 bias)",
]


def compare(args) -> int:
    """The --compare table: one row per length and variant, ratios against the first."""
    seconds = [m * 60 for m in sorted(args.minutes)]
    results = {}
    for label in args.variants:
        print(f"{label} ...", flush=True)
        results[label] = run_variant(
            VARIANTS[label], seconds, config=args.config, device=args.device,
            repeats=args.repeats, max_pass_seconds=args.max_pass_seconds,
        )  # fmt: skip
    memory = "peak GPU memory" if args.device == "cuda" else "peak RSS"
    print(f"\n{args.config}, batch 1; {machine_line(args.device, None)}\n")
    print(
        f"| audio (min) | variant | pass (s) | RTFx | {memory} (GiB) | time vs {args.variants[0]} |"
    )
    print("|---|---|---|---|---|---|")
    for i, s in enumerate(seconds):
        first = results[args.variants[0]][i]
        for label in args.variants:
            r = results[label][i]
            if r.error:
                print(f"| {s / 60:g} | {label} | {r.error} | | | |")
                continue
            ratio = f"{r.median_s / first.median_s:.2f}x" if not first.error else ""
            print(
                f"| {s / 60:g} | {label} | {r.median_s:.2f} | {r.rtfx:.0f} | "
                f"{r.peak_bytes / 2**30:.2f} | {ratio} |"
            )
    return 0
