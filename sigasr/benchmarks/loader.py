"""`sigasr bench loader`: how many audio seconds per second the training loader delivers.

Builds the loader as ``sigasr train`` does (:func:`sigasr.data.loaders.train_dataloader`: the
config's training manifests, speed-perturbed copies, noise mixing and SpecAugment) and draws
batches from it with no model, once per worker count of ``--workers``. With ``--ablate`` each
augmentation the config enables is also turned off in turn, to show what it costs. A training
step that consumes more audio seconds per second than the loader gives waits on the loader.
Audio seconds are the batches' cut durations, as ``sigasr train`` counts them.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import functools
import io
import time
from itertools import islice

import torch
from omegaconf import OmegaConf

from sigasr.config import load_config
from sigasr.nn.frontend import subsampled_length

AUGMENTATIONS = {"noise": "data.noise.enabled", "SpecAugment": "data.spec_augment.enabled"}
"""Name -> the key that turns it on (speed perturbation changes the corpus, not the rate)."""


def loader_rate(cfg, batches: int, warmup: int) -> tuple[int, float, float, str]:
    """(batches drawn, audio seconds, wall seconds) over ``batches`` batches after ``warmup``,
    and what the loader printed while it was set up (the cuts it kept and left out, and why).

    Fewer are drawn when an epoch holds fewer.
    """
    from sigasr.data.loaders import train_dataloader
    from sigasr.data.tokenizer import Tokenizer

    frames = functools.partial(subsampled_length, frontend=cfg.model.frontend)
    setup = io.StringIO()
    with contextlib.redirect_stdout(setup):
        loader, _ = train_dataloader(
            cfg.data, Tokenizer(cfg.data.lang_dir), frames, seed=cfg.train.seed
        )
    it = iter(loader)
    for _ in islice(it, warmup):
        pass
    drawn, audio = 0, 0.0
    start = time.perf_counter()
    for batch in islice(it, batches):
        drawn += 1
        audio += float(sum(batch["durations"]))
    elapsed = time.perf_counter() - start
    del it, loader  # stops the workers before the next row starts its own
    return drawn, audio, elapsed, setup.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="sigasr bench loader", description=__doc__)
    parser.add_argument("--config", required=True, help="a recipe config")
    parser.add_argument(
        "--workers", type=int, nargs="+", help="loader processes per row (default: the config's)"
    )
    parser.add_argument("--batches", type=int, default=50, help="timed batches per row")
    parser.add_argument("--warmup", type=int, default=5, help="untimed batches first")
    parser.add_argument(
        "--ablate", action="store_true", help="also a row with each enabled augmentation off"
    )
    parser.add_argument("overrides", nargs="*", metavar="KEY=VALUE", help="config overrides")
    args = parser.parse_args(argv)
    base = load_config(args.config, args.overrides)
    workers = args.workers or [base.data.num_workers]
    variants = [("as configured", [])]
    if args.ablate:
        variants += [
            (f"no {name}", [f"{key}=false"])
            for name, key in AUGMENTATIONS.items()
            if OmegaConf.select(base, key)
        ]
    print(f"sigasr bench loader, {datetime.date.today()}, torch {torch.__version__}, "
          f"{args.config}, max_duration {base.data.max_duration} s, {args.batches} batches "
          f"after {args.warmup}")  # fmt: skip
    print("| workers | augmentation | batches | audio-s / s | batches / s |")
    print("|---|---|---|---|---|")
    first_setup = ""
    for n in workers:
        for label, extra in variants:
            cfg = load_config(args.config, [*args.overrides, *extra, f"data.num_workers={n}"])
            drawn, audio, elapsed, setup = loader_rate(cfg, args.batches, args.warmup)
            first_setup = first_setup or setup
            if drawn == 0:
                print(f"| {n} | {label} | 0 | - | - |  (no batch after the warm-up: "
                      "lower --warmup or use a larger corpus)")  # fmt: skip
                continue
            print(f"| {n} | {label} | {drawn} | {audio / elapsed:.0f} | {drawn / elapsed:.2f} |",
                  flush=True)  # fmt: skip
    print(f"\nThe training cuts of the first row:\n{first_setup.rstrip()}")
    return 0
