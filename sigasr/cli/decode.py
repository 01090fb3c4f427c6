"""`sigasr decode`: CTC decoding and WER scoring of test sets or TED-LIUM buckets.

Defaults (sets, averaging, data paths, the decoding method and its options) come from
``<exp-dir>/config.yaml``, which ``sigasr train`` wrote. Audio is read in ``data.num_workers``
loader workers (``--num-workers``), longest cuts first in batches of ``--max-duration``
seconds, and its fbank computed on the decoding device; the model runs under ``train.amp``
(bf16 on a GPU by default); the device works on one batch while the host loads the next and
searches the previous. On a GPU, while the checkpoints are read, the model runs once over
noise of the sets' lengths (:mod:`sigasr.decode.warmup`), so the process's one-time costs
(library and kernel loading, Triton lookups or autotuning) are paid beside the reading, not
by the first batches. Each set's summary gives the RTFx (audio seconds per wall second,
loading and features included), the wall seconds, the device seconds in features, forward
and search, and the host seconds waiting for the loader, in the search and in scoring.
``--method`` picks a row of
:data:`sigasr.decode.methods.METHODS` (default: ``decode.method``, greedy unless set); a method
option not given takes its ``decode.*`` key, and ``beam-lm`` takes the LM weight and word score
``sigasr tune-lm`` wrote to ``<exp-dir>/decode/lm_tuning.yaml`` unless they are set. Results go
to ``<exp-dir>/decode/`` (``decode/<method>/`` for the methods other than greedy), named by set
and model (``recogs-<set>-step-<N>-avg-<K>.txt``, :mod:`sigasr.decode.scoring`).
"""

from __future__ import annotations

import time
from pathlib import Path

from sigasr.decode.methods import DEFAULT_METHOD, METHODS, add_method_arguments

BUCKET_ALL = "all"


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "decode",
        help="CTC decoding and WER of test sets or TED-LIUM length buckets.",
        description=__doc__.splitlines()[0].split(": ", 1)[1],
    )
    p.add_argument("--exp-dir", required=True, help="an experiment directory from sigasr train")
    p.add_argument("--avg", type=int, help="average the last K checkpoints (default: config)")
    sets = p.add_mutually_exclusive_group()
    sets.add_argument("--test-sets", nargs="+", metavar="SET", help="manifest set names")
    sets.add_argument(
        "--bucket",
        metavar="{0-10s,10-20s,20-30s,30s+,all}",
        help="a TED-LIUM length bucket, or 'all' for the four-bucket table and plot",
    )
    p.add_argument("--max-duration", type=float, help="seconds of audio per batch")
    p.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto")
    p.add_argument(
        "--num-workers", type=int, help="audio loader processes (default: data.num_workers)"
    )
    p.add_argument(
        "--chunk-seconds",
        type=float,
        help="run the model over overlapping chunks of each utterance (default: one pass); "
        "results go to decode/[METHOD-]chunk-<S>s/",
    )
    p.add_argument(
        "--overlap-seconds",
        type=float,
        default=4.0,
        help="with --chunk-seconds: context on each side of a chunk",
    )
    add_method_arguments(p, default=None)
    p.set_defaults(func=decode)


def load_exp_config(exp_dir: Path):
    """``<exp_dir>/config.yaml``, which ``sigasr train`` wrote."""
    from sigasr.config import load_config

    config_path = exp_dir / "config.yaml"
    if not config_path.is_file():
        raise FileNotFoundError(f"{config_path}: missing (is {exp_dir} a sigasr train exp dir?)")
    return load_config(config_path)


def fill_method_options(args, cfg, exp_dir: Path) -> None:
    """Sets ``args.method`` and every unset method option from ``cfg.decode``; ``beam-lm``
    reads its tuning from ``<exp_dir>/decode/lm_tuning.yaml`` unless told otherwise."""
    from sigasr.decode.beam_methods import BEAM_KEYS, BEAM_LM_KEYS
    from sigasr.decode.lm_tuning import tuning_path
    from sigasr.errors import ConfigError

    if args.method is None:
        args.method = cfg.decode.method
        if args.method not in METHODS:
            raise ConfigError(
                f"config key 'decode.method' is '{args.method}', expected one of "
                f"{', '.join(METHODS)}"
            )
    for key in (*BEAM_KEYS, *BEAM_LM_KEYS):
        if getattr(args, key, None) is None:
            setattr(args, key, cfg.decode[key])
    if getattr(args, "lm_tuning", None) is None:
        args.lm_tuning = str(tuning_path(exp_dir))


def bucket_sets(bucket: str) -> list[tuple[str, str]]:
    """(label, manifest set name) pairs for ``--bucket``."""
    from sigasr.data.buckets import BUCKETS
    from sigasr.data.tedlium import tedlium_set_name
    from sigasr.errors import UsageError

    if bucket == BUCKET_ALL:
        chosen = list(BUCKETS)
    elif bucket in BUCKETS:
        chosen = [bucket]
    else:
        raise UsageError(
            f"unknown bucket '{bucket}', expected one of {', '.join([*BUCKETS, BUCKET_ALL])}"
        )
    return [(name, tedlium_set_name(name)) for name in chosen]


def results_dir(exp_dir: Path, args) -> tuple[Path, tuple[int, int] | None]:
    """Where results go, and the (chunk, overlap) feature frames of ``--chunk-seconds``.

    Greedy one-pass results go to ``decode/``; another method, or chunks, to a folder beside
    them: ``decode/beam/``, ``decode/chunk-30s/``, ``decode/beam-lm-chunk-30s/``.
    """
    from sigasr.decode.chunking import FRAME_SECONDS

    parts = [] if args.method == DEFAULT_METHOD else [args.method]
    chunking = None
    if args.chunk_seconds is not None:
        chunking = (
            int(args.chunk_seconds / FRAME_SECONDS),
            int(args.overlap_seconds / FRAME_SECONDS),
        )
        parts.append(f"chunk-{args.chunk_seconds:g}s")
    decode_dir = exp_dir / "decode"
    return (decode_dir / "-".join(parts) if parts else decode_dir), chunking


def load_decoding_model(cfg, exp_dir: Path, avg: int, device, warm=None):
    """The average of the last ``avg`` checkpoints of ``exp_dir`` on ``device``, the
    experiment's tokenizer and the checkpoint files averaged (oldest first).

    warm: (seconds, chunking) on a GPU: while the checkpoints are read, a
    :class:`~sigasr.decode.warmup.Warmup` runs the model over those lengths.
    """
    from sigasr.checkpoints.averaging import averaged_model_state
    from sigasr.data.tokenizer import Tokenizer
    from sigasr.decode.warmup import Warmup
    from sigasr.model import CTCModel, load_state_checked

    model = CTCModel(cfg.model).to(device).eval()
    warmup = None
    if warm is not None and device.type == "cuda":
        warmup = Warmup(model, device, cfg.train.amp, *warm)
    start = time.perf_counter()
    try:
        state, used = averaged_model_state(exp_dir, avg)
    finally:
        read = time.perf_counter() - start
        warmed = warmup.join() if warmup is not None else None
    load_state_checked(model, state, used[-1])
    print(f"model: average of {len(used)} checkpoint(s): {', '.join(p.name for p in used)}")
    if warmed is not None:
        lengths = ", ".join(f"{s:.1f}" for s in warm[0])
        print(f"warm-up: {len(warm[0])} lengths ({lengths} s) in {warmed:.2f} s, beside "
              f"{read:.2f} s of reading checkpoints")  # fmt: skip
    return model, Tokenizer(cfg.data.lang_dir), used


def decode(args) -> int:
    import torch

    from sigasr.checkpoints.store import checkpoint_step
    from sigasr.data.audio_backend import use_libsndfile
    from sigasr.data.corpora import load_set
    from sigasr.decode.buckets_plot import plot_wer_by_bucket
    from sigasr.decode.methods import build_decoder, closing_decoder
    from sigasr.decode.recognize import recognize
    from sigasr.decode.scoring import model_tag, score, wer_line, write_results
    from sigasr.decode.warmup import warmup_lengths
    from sigasr.runtime import resolve_device

    use_libsndfile()  # TED-LIUM .sph audio without sph2pipe
    device = resolve_device(args.device)
    sets = bucket_sets(args.bucket) if args.bucket else None
    exp_dir = Path(args.exp_dir)
    cfg = load_exp_config(exp_dir)
    fill_method_options(args, cfg, exp_dir)
    if sets is None:
        sets = [(name, name) for name in (args.test_sets or cfg.decode.test_sets)]
    avg = args.avg if args.avg is not None else cfg.decode.avg
    # Fail on a missing set before spending time on any of them.
    # An empty bucket is a fact about the corpus under --bucket all, an error when asked for.
    every_bucket = args.bucket == BUCKET_ALL
    cuts = {
        name: load_set(cfg.data.manifest_dir, name, allow_empty=every_bucket) for _, name in sets
    }
    decode_dir, chunking = results_dir(exp_dir, args)
    durations = [cut.duration for cut_set in cuts.values() for cut in cut_set]
    warm = None
    if durations:
        warm = warmup_lengths(min(durations), max(durations), chunking), chunking
    model, tokenizer, used = load_decoding_model(cfg, exp_dir, avg, device, warm)
    tag = model_tag(checkpoint_step(used[-1]), len(used))
    from sigasr.data.loaders import eval_dataloader

    max_duration = args.max_duration or cfg.decode.max_duration
    num_workers = cfg.data.num_workers if args.num_workers is None else args.num_workers
    results = {}
    with closing_decoder(build_decoder(args.method, tokenizer, args)) as decoder:
        for label, name in sets:
            if len(cuts[name]) == 0:
                print(f"[{name}] no segment of the corpus falls in this bucket; nothing to decode")
                continue
            # Similar lengths batched together pad least; results keep the manifest's order.
            longest_first = cuts[name].sort_by_duration(ascending=False)
            loader = eval_dataloader(
                cfg.data, longest_first, max_duration, num_workers=num_workers, audio=True
            )
            rec = recognize(
                model,
                loader,
                tokenizer,
                device,
                cfg.train.amp,
                desc=name,
                decoder=decoder,
                total=len(cuts[name]),
                chunking=chunking,
            )
            rec.sort_as(list(cuts[name].ids))
            with rec.times.host("scoring"):
                scored = score(rec.cut_ids, rec.refs, rec.hyps)
                write_results(decode_dir, name, scored, tag)
            results[label] = (scored, rec)
            print(wer_line(name, scored.stats))
            print(
                f"[{name}] {len(rec.cut_ids)} utterances, {rec.audio_seconds / 3600:.2f} h, "
                f"RTFx {rec.rtfx:.1f} ({args.method}, audio loading and features included, "
                f"scoring not; {device.type}, {num_workers} loader workers)"
            )
            print(f"[{name}] time: {rec.times.summary(rec.wall_seconds)}")
    if every_bucket:
        print_bucket_table(results, [label for label, _ in sets])
        png = plot_wer_by_bucket(
            {label: scored for label, (scored, _) in results.items()},
            decode_dir / f"wer-by-bucket-{tag}.png",
            f"TED-LIUM v3 WER by length: {exp_dir.name}, {tag}",
        )
        print(f"plot: {png}")
    print(f"results: {decode_dir}/*-{tag}.*")
    torch.cuda.empty_cache()
    return 0


def print_bucket_table(results: dict, labels: list[str]) -> None:
    """One row per bucket label; a bucket without segments (absent from results) shows 0."""
    print(f"{'bucket':<8} {'utts':>6} {'hours':>7} {'WER %':>7} {'errors / words':>16} {'RTFx':>8}")
    for label in labels:
        if label not in results:
            print(f"{label:<8} {0:>6} {0:>7.2f} {'-':>7} {'-':>16} {'-':>8}")
            continue
        stats, rec = results[label][0].stats, results[label][1]
        print(
            f"{label:<8} {len(rec.cut_ids):>6} {rec.audio_seconds / 3600:>7.2f} "
            f"{stats.wer:>7.2f} {f'{stats.errors} / {stats.ref_words}':>16} {rec.rtfx:>8.1f}"
        )
