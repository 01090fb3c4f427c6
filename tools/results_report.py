"""The results grid report: WER tables, training statistics and PNG plots from exp dirs.

    python tools/results_report.py --exp-dirs exp/ROW ... [--merge results.json ...]
        --out docs/results.md --json docs/results.json --plots docs/img

Each exp dir (from ``recipes/librispeech/results.sh``) gives its row: ``config.yaml``,
``metrics.jsonl`` (per-step loss, pre-clip grad norm, ms per step), ``decode/wer-summary-*.txt``
(each set's of the newest model) and the ``command.txt`` / ``parallel.txt`` the script wrote. ``--merge`` adds the rows of
earlier ``results.json`` files (an exp dir replaces a merged row of the same name), so rows run
at different times combine. ``--json`` is written on one line, curve points rounded to four
significant digits (finer than the plots resolve). In ``--out`` only the text between the two ``results:`` marker
comments is rewritten; text around them (the reading of the results) is kept.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import statistics
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sigasr.config import load_config  # noqa: E402
from sigasr.decode.scoring import newest_results  # noqa: E402
from sigasr.train.metrics import METRICS_FILE, read_metrics  # noqa: E402

BEGIN = "<!-- results:begin (tools/results_report.py writes between these markers) -->"
END = "<!-- results:end -->"
SPIKE_FACTOR = 5.0
SPIKE_WINDOW = 100
SPIKE_MIN_HISTORY = 20
WARM_STEPS = 20
CURVE_DIGITS = 4
SPIKE_RULE = (
    f"a step whose pre-clip gradient norm exceeds {SPIKE_FACTOR:g}x the median of the previous "
    f"{SPIKE_WINDOW} steps (counted once {SPIKE_MIN_HISTORY} steps of history exist)"
)
EVAL_SETS = ["dev-clean", "dev-other", "test-clean", "test-other"]
_WER = re.compile(r"%WER ([\d.]+)% \[(\d+) / (\d+)")


# -- one row from an exp dir ------------------------------------------------------------------


def count_spikes(grad_norms: list[float | None]) -> tuple[int, list[int], float | None]:
    """Spikes under :data:`SPIKE_RULE`: (count, their 0-based indices, largest norm / median;
    None before enough history)."""
    history: list[float] = []
    spikes, worst = [], None
    for i, g in enumerate(grad_norms):
        if g is None:
            continue
        if len(history) >= SPIKE_MIN_HISTORY:
            median = statistics.median(history[-SPIKE_WINDOW:])
            ratio = g / max(median, 1e-12)
            worst = ratio if worst is None else max(worst, ratio)
            if ratio > SPIKE_FACTOR:
                spikes.append(i)
        history.append(g)
    return len(spikes), spikes, worst


def read_wers(decode_dir: Path) -> dict[str, dict]:
    """Set name -> {wer, errors, words} from the newest model's ``wer-summary-<set>-*.txt``."""
    wers = {}
    for name, path in newest_results(decode_dir, "wer-summary").items():
        match = _WER.search(path.read_text())
        if match:
            wer, errors, words = match.groups()
            wers[name] = {"wer": float(wer), "errors": int(errors), "words": int(words)}
    return wers


def _text(path: Path) -> str | None:
    return path.read_text().strip() if path.is_file() else None


def row_from_exp_dir(exp_dir: Path) -> dict:
    """Everything the report shows about one exp dir, JSON-serializable."""
    from sigasr.model import CTCModel

    cfg = load_config(exp_dir / "config.yaml")
    att = cfg.model.encoder.attention
    train = [e for e in read_metrics(exp_dir / METRICS_FILE) if e["kind"] == "train"]
    grad_norms = [e["grad_norm"] for e in train]
    spikes, spike_steps, worst = count_spikes(grad_norms)
    step_ms = [e["step_ms"] for e in train if e["step"] > WARM_STEPS]
    losses = [e["loss"] for e in train[-max(len(train) // 20, 1) :] if e["loss"] is not None]
    parallel = _text(exp_dir / "parallel.txt")
    return {
        "attention": str(att.kind),
        "pos": str(att.pos),
        "bias": _bias(att),
        "qk_norm": att.qk_norm,
        "layer_scale": att.layer_scale,
        "params_m": round(CTCModel(cfg.model).num_parameters() / 1e6, 2),
        "steps": cfg.train.max_steps,
        "batch_seconds": cfg.data.max_duration,
        "max_train_utt_s": cfg.data.max_utt_duration,
        "seed": cfg.train.seed,
        "parallel": int(parallel) if parallel else None,
        "command": _text(exp_dir / "command.txt"),
        "wer": read_wers(exp_dir / "decode"),
        "wer_chunked": {
            d.name.removeprefix("chunk-"): read_wers(d)
            for d in sorted((exp_dir / "decode").glob("chunk-*s"))
        },
        "median_step_ms": statistics.median(step_ms) if step_ms else None,
        "spikes": spikes,
        "spike_steps": [train[i]["step"] for i in spike_steps],
        "max_spike_ratio": worst,
        "nonfinite_steps": sum(g is None for g in grad_norms),
        "final_train_loss": statistics.fmean(losses) if losses else None,
        "curve": {
            "step": [e["step"] for e in train],
            "loss": [e["loss"] for e in train],
            "grad_norm": grad_norms,
        },
    }


def _bias(att) -> str:
    if att.kind != "sigmoid":
        return "-"
    return {
        "log_n": "-log n",
        "const": f"{att.sigmoid_bias_value:g}",
        "learnable": f"learnable (init {att.sigmoid_bias_value:g})",
        "none": "none",
    }[att.sigmoid_bias]


# -- tables -----------------------------------------------------------------------------------


def _order(rows: dict) -> tuple[list[str], list[str]]:
    """(TED-LIUM bucket sets, long-form sets) present in any row, in length order."""
    from sigasr.data.buckets import BUCKETS
    from sigasr.data.tedlium import tedlium_set_name

    names = {name for row in rows.values() for name in row["wer"]}
    buckets = [tedlium_set_name(b) for b in BUCKETS if tedlium_set_name(b) in names]
    long = sorted((n for n in names if n.startswith("tedlium-long-")), key=_long_seconds)
    return buckets, long


def _long_seconds(name: str) -> float:
    return float(name.removeprefix("tedlium-long-").removesuffix("s"))


def _label(set_name: str) -> str:
    return set_name.removeprefix("tedlium-long-").removeprefix("tedlium-")


def _cell(value, fmt: str = "{:.2f}") -> str:
    return "-" if value is None else fmt.format(value)


def _table(header: list[str], lines: list[list[str]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return out + ["| " + " | ".join(line) + " |" for line in lines]


def markdown(rows: dict, plots: dict[str, str]) -> str:
    """The generated part of results.md; ``plots`` maps plot kind -> path relative to it."""
    buckets, long = _order(rows)
    out = ["### WER (%) on the LibriSpeech-layout sets", ""]
    header = ["row", "attention", "pos", "bias b", "QK-norm", "LayerScale", *EVAL_SETS]
    out += _table(header, [[n, *_variant(r), *_wers(r, EVAL_SETS)] for n, r in rows.items()])
    out += ["", "### WER (%) by length: TED-LIUM buckets and long-form windows (one pass)", ""]
    header = ["row", *(_label(s) for s in buckets), *(f"{_label(s)} (long)" for s in long)]
    out += _table(header, [[n, *_wers(r, buckets + long)] for n, r in rows.items()])
    words = [
        max(r["wer"].get(s, {}).get("words", 0) for r in rows.values()) for s in buckets + long
    ]
    sizes = ", ".join(f"{_label(s)} {n}" for s, n in zip(buckets + long, words, strict=True))
    out += ["", f"Reference words per set: {sizes}."]
    out += ["", f"![WER by length]({plots['wer']})", ""]
    out += _chunked_table(rows, long)
    out += ["### Training", ""]
    header = [
        "row",
        "params (M)",
        "steps",
        "batch (s)",
        "rows sharing the GPU",
        "median ms/step",
        "grad-norm spikes",
        "max norm / median",
        "non-finite steps",
        "final train loss",
    ]
    out += _table(header, [[n, *_training(r)] for n, r in rows.items()])
    out += [
        "",
        f"A spike is {SPIKE_RULE}. Median ms/step leaves out the first {WARM_STEPS} steps; it is "
        "wall-clock time per optimizer step, data loading included, validation and checkpoints "
        "excluded, measured while the number of rows shown trained side by side on one GPU. "
        "Final train loss: mean CTC loss per token over the last 5 % of the steps.",
        "",
        f"![training loss]({plots['loss']})",
        "",
        f"![gradient norm]({plots['grad_norm']})",
        "",
        "### Commands",
        "",
        "Each row, from nothing (corpus, features, training, decoding):",
        "",
        "```bash",
        *(r["command"] or f"# {n}: no command recorded" for n, r in rows.items()),
        "```",
    ]
    return "\n".join(out) + "\n"


def _chunked_table(rows: dict, long: list[str]) -> list[str]:
    """Long-form windows decoded in one pass against in chunks (``sigasr decode
    --chunk-seconds``), for the rows that have chunked results; empty when none has."""
    chunks = sorted({c for r in rows.values() for c in r.get("wer_chunked", {})}, key=_seconds)
    with_chunks = {n: r for n, r in rows.items() if r.get("wer_chunked")}
    if not chunks or not long:
        return []
    header = ["row", *(f"{_label(s)}: {mode}" for s in long for mode in ("one pass", *chunks))]
    lines = []
    for n, r in with_chunks.items():
        cells = []
        for s in long:
            cells.append(_cell(r["wer"].get(s, {}).get("wer")))
            cells += [_cell(r["wer_chunked"].get(c, {}).get(s, {}).get("wer")) for c in chunks]
        lines.append([n, *cells])
    out = ["### WER (%) of long-form windows: one pass against chunks", ""]
    out += _table(header, lines)
    out += [
        "",
        "Chunked: `sigasr decode --chunk-seconds S` (4 s of context on each side of a chunk, "
        "outputs stitched at the frame level), as `sigasr transcribe` decodes audio that does "
        "not fit one pass.",
        "",
    ]
    return out


def _seconds(label: str) -> float:
    return float(label.removesuffix("s"))


def _wers(row: dict, sets: list[str]) -> list[str]:
    return [_cell(row["wer"].get(s, {}).get("wer")) for s in sets]


def _variant(row: dict) -> list[str]:
    qk_norm = "yes" if row["qk_norm"] else "no"
    layer_scale = _cell(row["layer_scale"] or None, "{:g}")
    return [row["attention"], row["pos"], row["bias"], qk_norm, layer_scale]


def _training(row: dict) -> list[str]:
    return [
        _cell(row["params_m"]),
        str(row["steps"]),
        f"{row['batch_seconds']:g}",
        _cell(row["parallel"], "{}"),
        _cell(row["median_step_ms"], "{:.0f}"),
        str(row["spikes"]),
        _cell(row["max_spike_ratio"]),
        str(row["nonfinite_steps"]),
        _cell(row["final_train_loss"], "{:.3f}"),
    ]


def write_markdown(path: Path, generated: str) -> None:
    """Replaces the text between the markers of ``path`` (creating it with them if needed)."""
    text = path.read_text() if path.is_file() else f"# Results\n\n{BEGIN}\n{END}\n"
    if BEGIN not in text or END not in text:
        raise SystemExit(f"{path}: no '{BEGIN}' ... '{END}' markers to write between")
    head, rest = text.split(BEGIN, 1)
    tail = rest.split(END, 1)[1]
    path.write_text(f"{head}{BEGIN}\n{generated}{END}{tail}")


# -- plots ------------------------------------------------------------------------------------


def plot_wer_by_length(rows: dict, path: Path) -> None:
    buckets, long = _order(rows)
    limits = ", ".join(sorted({f"{r['max_train_utt_s']:g} s" for r in rows.values()}))
    sets = buckets + long
    fig, ax = plt.subplots(figsize=(9, 5))
    for name, row in rows.items():
        ys = [row["wer"].get(s, {}).get("wer", math.nan) for s in sets]
        ax.plot(range(len(sets)), ys, marker="o", label=name)
    labels = [_label(s) for s in buckets] + [f"{_label(s)}\nlong-form" for s in long]
    ax.set_xticks(range(len(sets)), labels)
    if buckets and long:
        ax.axvline(len(buckets) - 0.5, color="grey", linewidth=0.8, linestyle=":")
    ax.set_xlabel("TED-LIUM segment length bucket | long-form window (decoded in one pass)")
    ax.set_ylabel("WER (%)")
    ax.set_title(f"WER by length (training utterances up to {limits})")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    _save(fig, path)


def plot_loss(rows: dict, path: Path) -> None:
    fig, ax = plt.subplots(figsize=(9, 5))
    for name, row in rows.items():
        steps, losses = _finite(row["curve"]["step"], row["curve"]["loss"])
        ax.plot(steps, _running_mean(losses, 25), label=name, linewidth=1.2)
    ax.set_yscale("log")
    ax.set_xlabel("step")
    ax.set_ylabel("CTC loss per token (running mean of 25 steps)")
    ax.set_title("Training loss")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    _save(fig, path)


def plot_grad_norm(rows: dict, path: Path) -> None:
    cols = min(len(rows), 4)
    nrows = math.ceil(len(rows) / cols)
    size = (3.6 * cols, 2.8 * nrows)
    fig, axes = plt.subplots(nrows, cols, figsize=size, sharex=True, sharey=True, squeeze=False)
    for ax, (name, row) in zip(axes.flat, rows.items(), strict=False):
        steps, norms = _finite(row["curve"]["step"], row["curve"]["grad_norm"])
        ax.plot(steps, norms, linewidth=0.6, color="#4C72B0")
        spiked = set(row["spike_steps"])
        points = [(s, g) for s, g in zip(steps, norms, strict=True) if s in spiked]
        if points:
            ax.scatter(*zip(*points, strict=True), color="#C44E52", s=12, zorder=3)
        ax.set_title(f"{name}: {row['spikes']} spikes", fontsize=9)
        ax.set_yscale("log")
        ax.grid(alpha=0.3)
    for ax in axes.flat[len(rows) :]:
        ax.set_visible(False)
    fig.supxlabel("step")
    fig.supylabel("pre-clip gradient norm")
    _save(fig, path)


def _finite(steps: list[int], values: list[float | None]) -> tuple[list[int], list[float]]:
    pairs = [(s, v) for s, v in zip(steps, values, strict=True) if v is not None]
    return [s for s, _ in pairs], [v for _, v in pairs]


def _running_mean(values: list[float], width: int) -> list[float]:
    out, total = [], 0.0
    for i, v in enumerate(values):
        total += v - (values[i - width] if i >= width else 0.0)
        out.append(total / min(i + 1, width))
    return out


def _save(fig, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(path, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)


# -- main -------------------------------------------------------------------------------------


def collect(exp_dirs: list[Path], merge: list[Path]) -> dict:
    """Rows of the ``merge`` JSON files, then of the exp dirs (later ones win), sorted by name.

    Curve points are rounded to CURVE_DIGITS significant digits, merged rows' too.
    """
    rows = {}
    for path in merge:
        rows.update(json.loads(path.read_text())["rows"])
    for exp_dir in exp_dirs:
        rows[exp_dir.name] = row_from_exp_dir(exp_dir)
    for row in rows.values():
        for key in ("loss", "grad_norm"):
            row["curve"][key] = [_rounded(v) for v in row["curve"][key]]
    return dict(sorted(rows.items()))


def _rounded(value: float | None) -> float | None:
    """``value`` to CURVE_DIGITS significant digits; None (a non-finite step) stays None."""
    return None if value is None else float(f"{value:.{CURVE_DIGITS}g}")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--exp-dirs", nargs="*", type=Path, default=[])
    p.add_argument("--merge", action="append", type=Path, default=[], help="earlier results.json")
    p.add_argument("--out", type=Path, required=True, help="results.md")
    p.add_argument("--json", type=Path, required=True, help="results.json (all rows, compact)")
    p.add_argument("--plots", type=Path, required=True, help="directory for the PNG plots")
    args = p.parse_args(argv)
    rows = collect(args.exp_dirs, args.merge)
    if not rows:
        p.error("no rows: give --exp-dirs or --merge")
    files = {
        "wer": args.plots / "results-wer-by-length.png",
        "loss": args.plots / "results-loss.png",
        "grad_norm": args.plots / "results-grad-norm.png",
    }
    plot_wer_by_length(rows, files["wer"])
    plot_loss(rows, files["loss"])
    plot_grad_norm(rows, files["grad_norm"])
    args.json.parent.mkdir(parents=True, exist_ok=True)
    summary = json.dumps({"spike_rule": SPIKE_RULE, "rows": rows}, separators=(",", ":"))
    args.json.write_text(summary + "\n")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    relative = {k: os.path.relpath(v, args.out.parent) for k, v in files.items()}
    write_markdown(args.out, markdown(rows, relative))
    print(f"results: {len(rows)} rows -> {args.out}, {args.json}, {args.plots}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
