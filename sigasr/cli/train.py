"""`sigasr train`: train a CTC model from a YAML config with key=value overrides.

Run it again with the same arguments to resume from the newest complete checkpoint. For
several GPUs: ``torchrun --nproc-per-node N -m sigasr train ...``.
"""

from __future__ import annotations

from pathlib import Path

from omegaconf import OmegaConf

from sigasr.config import ConfigError, load_config, save_config
from sigasr.errors import ExperimentBusyError
from sigasr.train.lock import ExperimentLock


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "train",
        help="Train a CTC model (re-run the same command to resume).",
        description=__doc__.splitlines()[0].split(": ", 1)[1],
    )
    p.add_argument("--config", required=True, help="YAML experiment config")
    p.add_argument("--exp-dir", required=True, help="checkpoints, logs and config.yaml go here")
    p.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto")
    p.add_argument("overrides", nargs="*", help="config overrides, key=value")
    p.set_defaults(
        func=train,
        interrupt_hint="re-run the same command to resume from the newest checkpoint",
    )


def resolve_paths(cfg) -> None:
    """Makes the data and LM paths absolute so the saved config works from any directory."""
    cfg.data.manifest_dir = str(Path(cfg.data.manifest_dir).resolve())
    cfg.data.lang_dir = str(Path(cfg.data.lang_dir).resolve())
    cfg.data.noise.manifest = str(Path(cfg.data.noise.manifest).resolve())
    for key in ("lm", "lexicon"):
        if cfg.decode[key]:
            cfg.decode[key] = str(Path(cfg.decode[key]).resolve())


def check_same_experiment(cfg, saved_path: Path) -> None:
    """Refuses to resume an experiment whose model or data config was different.

    The saved config is read through the schema, so a key added to sigasr since it was
    written takes its default rather than counting as a difference.
    """
    if not saved_path.is_file():
        return
    saved = load_config(saved_path)
    for section in ("model", "data"):
        if OmegaConf.to_container(saved[section]) != OmegaConf.to_container(cfg[section]):
            raise ConfigError(
                f"{saved_path}: this experiment was started with a different '{section}' "
                "config; use a new --exp-dir or the original config"
            )


def train(args) -> int:
    from sigasr.train.ddp import setup_distributed, teardown_distributed

    cfg = load_config(args.config, args.overrides)
    resolve_paths(cfg)
    if not (Path(cfg.data.lang_dir) / "tokenizer.model").is_file():
        raise FileNotFoundError(
            f"{cfg.data.lang_dir}/tokenizer.model: no tokenizer (run `sigasr prepare tokenizer`)"
        )
    from sigasr.data.tokenizer import Tokenizer

    tokenizer = Tokenizer(cfg.data.lang_dir)
    cfg.model.vocab_size = tokenizer.vocab_size
    exp_dir = Path(args.exp_dir)
    ctx = setup_distributed(args.device)
    lock = ExperimentLock(exp_dir)
    try:
        take_lock(lock, ctx)
        try:
            trainer = start(cfg, exp_dir, tokenizer, ctx)
        except BaseException:  # a failed start leaves no experiment directory behind
            if ctx.is_main:
                lock.remove_created()
            raise
        trainer.train()
    finally:
        lock.release()
        teardown_distributed()
    return 0


def take_lock(lock: ExperimentLock, ctx) -> None:
    """Rank 0 takes the experiment's lock; every rank raises if it could not."""
    import torch.distributed as dist

    error = None
    if ctx.is_main:
        try:
            lock.acquire()
        except (ExperimentBusyError, OSError) as e:
            if not ctx.is_distributed:
                raise
            error = e
    if ctx.is_distributed:
        message = [None if error is None else str(error)]
        dist.broadcast_object_list(message, src=0)
        if error is not None:
            raise error
        if message[0] is not None:
            raise ExperimentBusyError(message[0])


def start(cfg, exp_dir: Path, tokenizer, ctx):
    """Checks the experiment, builds the model and the loaders, writes ``config.yaml``."""
    from sigasr.data.corpora import load_set
    from sigasr.data.loaders import eval_dataloader, train_dataloader
    from sigasr.model import CTCModel
    from sigasr.train.rng import seed_everything
    from sigasr.train.trainer import Trainer

    if ctx.is_main:
        check_same_experiment(cfg, exp_dir / "config.yaml")
    seed_everything(cfg.train.seed)
    model = CTCModel(cfg.model)
    if ctx.is_main:
        print(f"model: {model.num_parameters() / 1e6:.2f} M parameters", flush=True)
    seed_everything(cfg.train.seed + ctx.rank)
    train_loader, sampler = train_dataloader(
        cfg.data,
        tokenizer,
        model.frames_after_subsampling,
        world_size=ctx.world_size,
        rank=ctx.rank,
        seed=cfg.train.seed,
    )
    dev_loaders = {
        name: eval_dataloader(
            cfg.data,
            load_set(cfg.data.manifest_dir, name, audio=cfg.data.on_the_fly_feats),
            cfg.decode.max_duration,
        )
        for name in cfg.data.dev_sets
    }
    if ctx.is_main:
        save_config(cfg, exp_dir / "config.yaml")
    return Trainer(cfg, exp_dir, model, tokenizer, train_loader, sampler, dev_loaders, ctx)
