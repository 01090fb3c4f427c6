"""`sigasr decode`: CTC decoding and WER scoring of test sets or TED-LIUM buckets.

Defaults (sets, averaging, data paths, the decoding method and its options) come from
``<exp-dir>/config.yaml``, which ``sigasr train`` wrote. ``--method`` picks a row of
:data:`sigasr.decode.methods.METHODS` (default: ``decode.method``, greedy unless set); a method
option not given takes its ``decode.*`` key, and ``beam-lm`` takes the LM weight and word score
``sigasr tune-lm`` wrote to ``<exp-dir>/decode/lm_tuning.yaml`` unless they are set. Results go
to ``<exp-dir>/decode/`` (``decode/<method>/`` for the methods other than greedy).
"""

from __future__ import annotations

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


def load_decoding_model(cfg, exp_dir: Path, avg: int, device):
    """The average of the last ``avg`` checkpoints of ``exp_dir`` on ``device``, and the
    experiment's tokenizer."""
    from sigasr.checkpoints.averaging import averaged_model_state
    from sigasr.data.tokenizer import Tokenizer
    from sigasr.model import CTCModel, load_state_checked

    state, used = averaged_model_state(exp_dir, avg)
    model = CTCModel(cfg.model)
    load_state_checked(model, state, used[-1])
    model.to(device)
    print(f"model: average of {len(used)} checkpoint(s): {', '.join(p.name for p in used)}")
    return model, Tokenizer(cfg.data.lang_dir)


def decode(args) -> int:
    import torch

    from sigasr.data.audio_backend import use_libsndfile
    from sigasr.data.corpora import load_set
    from sigasr.decode.buckets_plot import plot_wer_by_bucket
    from sigasr.decode.methods import build_decoder
    from sigasr.decode.recognize import recognize
    from sigasr.decode.scoring import score, wer_line, write_results
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
    model, tokenizer = load_decoding_model(cfg, exp_dir, avg, device)
    # Fail on a missing set before spending time on any of them.
    # An empty bucket is a fact about the corpus under --bucket all, an error when asked for.
    every_bucket = args.bucket == BUCKET_ALL
    cuts = {
        name: load_set(cfg.data.manifest_dir, name, allow_empty=every_bucket) for _, name in sets
    }
    from sigasr.data.loaders import eval_dataloader

    decoder = build_decoder(args.method, tokenizer, args)
    max_duration = args.max_duration or cfg.decode.max_duration
    cfg.data.on_the_fly_feats = True  # RTFx counts feature extraction from the audio
    # Methods other than the default write beside its results, in decode/<method>/.
    decode_dir = exp_dir / "decode"
    if args.method != DEFAULT_METHOD:
        decode_dir = decode_dir / args.method
    results = {}
    for label, name in sets:
        if len(cuts[name]) == 0:
            print(f"[{name}] no segment of the corpus falls in this bucket; nothing to decode")
            continue
        loader = eval_dataloader(cfg.data, cuts[name], max_duration)
        rec = recognize(model, loader, tokenizer, device, cfg.train.amp, desc=name, decoder=decoder)
        scored = score(rec.cut_ids, rec.refs, rec.hyps)
        write_results(decode_dir, name, scored)
        results[label] = (scored.stats, rec)
        print(wer_line(name, scored.stats))
        print(
            f"[{name}] {len(rec.cut_ids)} utterances, {rec.audio_seconds / 3600:.2f} h, "
            f"RTFx {rec.rtfx:.1f} ({args.method}, features included, {device.type})"
        )
    if every_bucket:
        print_bucket_table(results, [label for label, _ in sets])
        png = plot_wer_by_bucket(
            {label: stats.wer for label, (stats, _) in results.items()},
            decode_dir / "wer-by-bucket.png",
            f"TED-LIUM v3 WER by length: {exp_dir.name}",
        )
        print(f"plot: {png}")
    print(f"results: {decode_dir}")
    torch.cuda.empty_cache()
    return 0


def print_bucket_table(results: dict, labels: list[str]) -> None:
    """One row per bucket label; a bucket without segments (absent from results) shows 0."""
    print(f"{'bucket':<8} {'utts':>6} {'hours':>7} {'WER %':>7} {'errors / words':>16} {'RTFx':>8}")
    for label in labels:
        if label not in results:
            print(f"{label:<8} {0:>6} {0:>7.2f} {'-':>7} {'-':>16} {'-':>8}")
            continue
        stats, rec = results[label]
        print(
            f"{label:<8} {len(rec.cut_ids):>6} {rec.audio_seconds / 3600:>7.2f} "
            f"{stats.wer:>7.2f} {f'{stats.errors} / {stats.ref_words}':>16} {rec.rtfx:>8.1f}"
        )
