"""`sigasr bench cpu`: one-pass transcription on the CPU, sigmoid against softmax.

The demo recipe's model (d_model 144, 4 heads, 6 layers), batch 1, on ``--threads`` CPU
threads, through the one-pass path of ``sigasr transcribe``: sigmoid ALiBi eager (the
blocked CPU attention of ``flashsigmoid.cpu``), the same compiled with
``torch.compile(fullgraph=True)``, and softmax through SDPA with ALiBi as an N^2 bias (the
same masking) and with RoPE (no mask). Reports the median pass in ms, RTFx, peak RSS, the
compiled variant's compile cost (first pass minus median), and each variant's time against
softmax ALiBi's. Each variant runs in its own process (sigasr.benchmarks.passes).
"""

from __future__ import annotations

import argparse

from sigasr.benchmarks.passes import VARIANTS, load_line, machine_line, run_variant

DEFAULT_VARIANTS = [
    "sigmoid alibi",
    "sigmoid alibi, compiled",
    "softmax alibi (sdpa, N^2 bias)",
    "softmax rope (sdpa)",
]
BASELINE = "softmax alibi (sdpa, N^2 bias)"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="sigasr bench cpu", description=__doc__)
    parser.add_argument("--config", default="recipes/librispeech/conf/demo.yaml")
    parser.add_argument("--seconds", type=float, nargs="+", default=[10.0, 60.0, 600.0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument(
        "--repeats", type=int, default=5, help="timed passes per length (fewer past a minute)"
    )
    parser.add_argument(
        "--variants", nargs="+", default=DEFAULT_VARIANTS, choices=sorted(VARIANTS),
        metavar="VARIANT", help=f"of: {'; '.join(VARIANTS)}",
    )  # fmt: skip
    parser.add_argument(
        "--rounds", type=int, default=1, help="runs of every variant in turn; the median is kept"
    )
    args = parser.parse_args(argv)
    print(f"before: {load_line()}", flush=True)
    rounds = {label: [] for label in args.variants}
    for n in range(args.rounds):
        for label in args.variants:
            print(f"{label} (round {n + 1} of {args.rounds}) ...", flush=True)
            rows = run_variant(
                VARIANTS[label], args.seconds, config=args.config, device="cpu",
                threads=args.threads, repeats=args.repeats,
            )  # fmt: skip
            rounds[label].append(rows)
            for r in rows:
                status = (
                    r.error or f"{r.median_s * 1e3:.0f} ms, {r.peak_bytes / 1e9:.2f} GB peak RSS"
                )
                print(f"  {r.seconds_audio:g} s: {status}", flush=True)
            print(f"  after: {load_line()}", flush=True)
    results = {
        label: [_median_round(runs) for runs in zip(*per_round, strict=True)]
        for label, per_round in rounds.items()
    }
    rounds_note = f"; median of {args.rounds} rounds" if args.rounds > 1 else ""
    print(
        f"\n{args.config}, batch 1; {machine_line('cpu', args.threads)}{rounds_note}; "
        f"after: {load_line()}"
    )
    print(
        "\n| audio (s) | variant | pass (ms) | RTFx | peak RSS (GB) | compile (s) | vs softmax alibi |"
    )
    print("|---|---|---|---|---|---|---|")
    for i, seconds in enumerate(sorted(args.seconds)):
        base = results.get(BASELINE, [None] * len(args.seconds))[i]
        for label in args.variants:
            r = results[label][i]
            if r.error:
                print(f"| {seconds:g} | {label} | {r.error} | | | | |")
                continue
            compile_s = f"{r.first_s - r.median_s:.1f}" if VARIANTS[label].compiled else ""
            ratio = f"{base.median_s / r.median_s:.2f}x" if base and not base.error else ""
            print(
                f"| {seconds:g} | {label} | {r.median_s * 1e3:.0f} | {r.rtfx:.0f} | "
                f"{r.peak_bytes / 1e9:.2f} | {compile_s} | {ratio} |"
            )
    return 0


def _median_round(runs):
    """Of one variant's results for one length over the rounds, the one with the median time
    (the lower middle for an even count); a failed round counts only if all failed."""
    ok = sorted((r for r in runs if not r.error), key=lambda r: r.median_s)
    return ok[(len(ok) - 1) // 2] if ok else runs[0]
