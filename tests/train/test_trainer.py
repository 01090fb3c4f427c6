"""The training loop with stand-in data: exact resume in-process and non-finite handling."""

import errno

import pytest
import torch
from omegaconf import OmegaConf

from sigasr.checkpoints.store import CheckpointDir, CheckpointError, load_checkpoint
from sigasr.config import ConfigError, ExperimentConfig
from sigasr.model import CTCModel
from sigasr.train.ddp import DistributedContext
from sigasr.train.nonfinite import NonFiniteLimitError
from sigasr.train.rng import seed_everything
from sigasr.train.trainer import Trainer
from tests.train.standins import (
    IndexSampler,
    LetterTokenizer,
    Loader,
    tiny_model_config,
    toy_corpus,
)

CPU = DistributedContext(rank=0, world_size=1, local_rank=0, device=torch.device("cpu"))


def make_trainer(exp_dir, max_steps=10, ctx=CPU, **train):
    cfg = OmegaConf.structured(ExperimentConfig)
    cfg.model = tiny_model_config()
    cfg.train.max_steps = max_steps
    cfg.train.warmup_steps = 3
    cfg.train.save_every = 3
    cfg.train.keep_last = 2
    cfg.train.accum_grad = 2
    for key, value in train.items():
        cfg.train[key] = value
    seed_everything(0)
    tokenizer = LetterTokenizer()
    sampler = IndexSampler(12, batch_size=2, rank=ctx.rank, world_size=ctx.world_size)
    loader = Loader(toy_corpus(), sampler, tokenizer)
    dev = {"dev": Loader(toy_corpus(4, seed=1), IndexSampler(4, 2), tokenizer)}
    return Trainer(cfg, exp_dir, CTCModel(cfg.model), tokenizer, loader, sampler, dev, ctx)


class Interrupted(Exception):
    pass


def crash_at_step(trainer: Trainer, step: int) -> None:
    """Makes ``trainer`` raise :class:`Interrupted` right after finishing ``step``."""
    original = trainer._after_step

    def crash(*args):
        original(*args)
        if trainer.state.step == step:
            raise Interrupted

    trainer._after_step = crash


def interrupted_run(exp_dir, step: int, **options):
    """Trains in ``exp_dir`` until an interruption after ``step``; the newest checkpoint."""
    trainer = make_trainer(exp_dir, **options)
    crash_at_step(trainer, step)
    with pytest.raises(Interrupted):
        trainer.train()
    return CheckpointDir(exp_dir / "checkpoints").latest()


def assert_same_weights(expected: Trainer, actual: Trainer) -> None:
    for key, value in expected.model.state_dict().items():
        assert torch.equal(value, actual.model.state_dict()[key]), key


def test_resume_after_interruption_is_bitwise_equal(tmp_path):
    # 12 items, batches of 2, accum 2: 3 optimizer steps per epoch, so resumes cross epochs.
    reference = make_trainer(tmp_path / "a", valid_every=4)
    reference.train()

    assert interrupted_run(tmp_path / "b", 8, valid_every=4).name == "ckpt-6.pt"

    resumed = make_trainer(tmp_path / "b", valid_every=4)
    resumed.train()
    assert resumed.state.step == 10
    assert_same_weights(reference, resumed)


def test_nonfinite_steps_are_skipped_then_stop(tmp_path):
    trainer = make_trainer(tmp_path, max_steps=10, max_nonfinite_steps=3, valid_every=0)
    before = {k: v.clone() for k, v in trainer.model.state_dict().items()}
    forward = trainer.forward_model.forward

    def poisoned(features, feature_lens):
        return forward(features * float("nan"), feature_lens)

    trainer.forward_model.forward = poisoned
    with pytest.raises(NonFiniteLimitError, match="3 consecutive"):
        trainer.train()
    assert trainer.guard.total == 3
    for key, value in trainer.model.state_dict().items():
        assert torch.equal(value, before[key]), key
    # The update is skipped on the device: AdamW's step counts and moments stay at zero, and
    # the learning-rate schedule does not advance.
    for state in trainer.optimizer.state.values():
        assert float(state["step"]) == 0.0
        assert not state["exp_avg"].any()
    assert trainer.scheduler.last_epoch == 0


def test_an_epoch_without_a_step_is_an_error_not_a_hang(tmp_path):
    """6 batches per epoch never fill accum_grad=7: without the check the loop would spin
    through empty epochs forever."""
    trainer = make_trainer(tmp_path, max_steps=5, valid_every=0, accum_grad=7)
    set_epoch = trainer.sampler.set_epoch

    def at_most_two_epochs(epoch):  # turns the hang into a failure
        assert epoch < 2, "kept looping over epochs that take no step"
        set_epoch(epoch)

    trainer.sampler.set_epoch = at_most_two_epochs
    with pytest.raises(ConfigError, match=r"epoch 0 gave 6 batch\(es\) and no optimizer step"):
        trainer.train()
    assert trainer.state.step == 0


def test_resume_skips_a_damaged_newest_checkpoint(tmp_path, capsys):
    reference = make_trainer(tmp_path / "a", valid_every=0)
    reference.train()

    newest = interrupted_run(tmp_path / "b", 7, valid_every=0)
    assert newest.name == "ckpt-6.pt"
    newest.write_bytes(newest.read_bytes()[:-100])

    resumed = make_trainer(tmp_path / "b", valid_every=0)
    resumed.train()
    assert f"{newest}: truncated or corrupt" in capsys.readouterr().err
    assert newest.with_name("ckpt-6.pt.corrupt").is_file()
    assert_same_weights(reference, resumed)


@pytest.mark.parametrize(
    "error",
    [OSError(errno.ENOSPC, "No space left on device"), PermissionError(errno.EACCES, "denied")],
    ids=["disk full", "permission denied"],
)
def test_failed_checkpoint_write_stops_and_keeps_the_previous(tmp_path, monkeypatch, error):
    trainer = make_trainer(tmp_path, valid_every=0)
    save = torch.save

    def failing(obj, f, *args, **kwargs):
        if obj["step"] == 6:
            raise error
        save(obj, f, *args, **kwargs)

    monkeypatch.setattr(torch, "save", failing)
    with pytest.raises(CheckpointError, match=rf"ckpt-6\.pt: cannot write.*{error.strerror}"):
        trainer.train()
    ckpts = CheckpointDir(tmp_path / "checkpoints")
    assert [p.name for p in ckpts.paths()] == ["ckpt-3.pt"]
    assert load_checkpoint(ckpts.latest())["step"] == 3
    assert not ckpts.remove_stale_temporaries()


def test_compile_trains_compiled_layers_and_saves_plain_names(tmp_path, monkeypatch):
    """train.compile=true: the steps run the compiled encoder layers (aot_eager here: the
    trace without inductor's code generation), and checkpoints keep the plain parameter
    names that decode and export load."""
    from torch._dynamo.utils import counters

    from sigasr.nn.encoder import SubsampledEncoder

    compile_layers = SubsampledEncoder.compile_layers
    monkeypatch.setattr(
        SubsampledEncoder, "compile_layers", lambda self: compile_layers(self, backend="aot_eager")
    )
    torch._dynamo.reset()
    counters.clear()
    trainer = make_trainer(tmp_path, max_steps=6, compile=True)
    trainer.train()
    assert all(layer._compiled_call_impl is not None for layer in trainer.model.encoder.layers)
    assert counters["stats"]["unique_graphs"] >= 1
    assert counters["stats"]["calls_captured"] > 0
    ckpt = load_checkpoint(CheckpointDir(tmp_path / "checkpoints").latest())
    assert ckpt["model"].keys() == CTCModel(tiny_model_config()).state_dict().keys()
