"""`sigasr tune-lm`: choose the LM weight and word score of beam+LM decoding on dev sets.

The model runs once over each dev set; the beam search with the LM then decodes its
log-probabilities once per (LM weight, word score) pair of the grid
(``decode.tune_lm_weights`` x ``decode.tune_word_scores``), ``decode.search_jobs``
utterances at once. The pair with the lowest WER over all dev sets goes to
``<exp-dir>/decode/lm_tuning.yaml``, where ``sigasr decode --method beam-lm`` finds it.
"""

from __future__ import annotations

import itertools
from pathlib import Path


def register(subparsers) -> None:
    from sigasr.decode.beam_methods import add_beam_arguments

    p = subparsers.add_parser(
        "tune-lm",
        help="Sweep LM weight and word score of beam+LM decoding on dev sets.",
        description=__doc__.splitlines()[0].split(": ", 1)[1],
    )
    p.add_argument("--exp-dir", required=True, help="an experiment directory from sigasr train")
    p.add_argument("--avg", type=int, help="average the last K checkpoints (default: config)")
    p.add_argument("--dev-sets", nargs="+", metavar="SET", help="default: data.dev_sets")
    p.add_argument("--lm", help="word n-gram, ARPA or KenLM binary (default: decode.lm)")
    p.add_argument("--lexicon", help="decode.lexicon (default: the LM's words, spelled)")
    p.add_argument("--lm-weights", type=float, nargs="+", help="default: decode.tune_lm_weights")
    p.add_argument("--word-scores", type=float, nargs="+", help="default: decode.tune_word_scores")
    p.add_argument("--max-duration", type=float, help="seconds of audio per batch")
    p.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto")
    add_beam_arguments(p.add_argument_group("beam search"))
    p.set_defaults(func=tune)


def tune(args) -> int:
    import tempfile
    import time

    from tqdm import tqdm

    from sigasr.cli.decode import load_decoding_model, load_exp_config
    from sigasr.data.corpora import load_set
    from sigasr.data.loaders import eval_dataloader
    from sigasr.decode.beam import CTCBeamSearch
    from sigasr.decode.beam_methods import (
        BEAM_KEYS,
        beam_options,
        lexicon_for,
        lm_path,
        search_jobs,
    )
    from sigasr.decode.lm_tuning import GridPoint, LMTuning, write_tuning
    from sigasr.decode.recognize import recognize
    from sigasr.decode.scoring import score, wer_line
    from sigasr.runtime import resolve_device

    exp_dir = Path(args.exp_dir)
    cfg = load_exp_config(exp_dir)
    dec = cfg.decode
    for key in (*BEAM_KEYS, "lm", "lexicon"):
        if getattr(args, key) is None:
            setattr(args, key, dec[key])
    sets = list(args.dev_sets or cfg.data.dev_sets)
    grid = list(
        itertools.product(args.lm_weights or dec.tune_lm_weights,
                          args.word_scores or dec.tune_word_scores)
    )  # fmt: skip
    lm = lm_path(args)
    jobs = search_jobs(args.search_jobs)
    cuts = {name: load_set(cfg.data.manifest_dir, name) for name in sets}
    device = resolve_device(args.device)
    model, tokenizer, _ = load_decoding_model(cfg, exp_dir, args.avg or dec.avg, device)
    max_duration = args.max_duration or dec.max_duration
    recognized = {}
    for name in sets:
        loader = eval_dataloader(cfg.data, cuts[name], max_duration, audio=True)
        rec = recognize(model, loader, tokenizer, device, cfg.train.amp, desc=name,
                        keep_emissions=True)  # fmt: skip
        recognized[name] = rec
        print(f"greedy: {wer_line(name, score(rec.cut_ids, rec.refs, rec.hyps).stats)}")

    points = []
    search_seconds = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        lexicon = lexicon_for(args, lm, tokenizer, Path(tmp))
        for lm_weight, word_score in tqdm(grid, desc="LM grid", unit="point"):
            options = beam_options(args, lm_weight, word_score)
            errors = words = 0
            with CTCBeamSearch(tokenizer, options, lm, lexicon, jobs) as search:
                for rec in recognized.values():
                    start = time.perf_counter()
                    hyps = [tokenizer.decode(ids) for ids in search.decode_all(rec.emissions)]
                    search_seconds += time.perf_counter() - start
                    stats = score(rec.cut_ids, rec.refs, hyps).stats
                    errors, words = errors + stats.errors, words + stats.ref_words
            wer = round(100.0 * errors / max(words, 1), 2)
            points.append(GridPoint(lm_weight, word_score, wer, errors, words))

    tuning = LMTuning.best_of(points, lm, options.beam, sets)
    print(tuning.table())
    audio = sum(rec.audio_seconds for rec in recognized.values())
    print(
        f"beam search: {len(grid)} points x {audio / 3600:.2f} h of audio in "
        f"{search_seconds:.1f} s, RTFx {len(grid) * audio / max(search_seconds, 1e-9):.1f} "
        f"({jobs} processes)"
    )
    path = write_tuning(exp_dir, tuning)
    print(f"chosen: lm_weight {tuning.lm_weight}, word_score {tuning.word_score}: {path}")
    return 0
