"""The training loop: accumulation, clipping, mixed precision, validation and exact resume.

Resume restores everything a step depends on: model, optimizer, scheduler, the sampler's
position, every RNG (per rank) and the counters. Validation runs with its own RNG state
so it does not change the training randomness; on the CPU with a fixed seed and
``num_workers=0`` a run killed and restarted ends bitwise equal to one that was not.

The sampler position is stored as the sampler's state at the start of the epoch plus the
number of batches the loop consumed since. A sampler's own mid-epoch state would count the
batches that loader workers prefetched but the loop never used, and resuming from it would
skip them.
"""

from __future__ import annotations

import contextlib
import copy
import time
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.distributed as dist
from omegaconf import DictConfig
from torch import Tensor, nn
from torch.nn.parallel import DistributedDataParallel

from sigasr.checkpoints.store import CheckpointDir, CheckpointError, load_checkpoint
from sigasr.config import ConfigError
from sigasr.ctc import ctc_loss
from sigasr.decode.recognize import recognize
from sigasr.decode.scoring import score
from sigasr.model import load_state_checked
from sigasr.runtime import autocast_for
from sigasr.startup import report_first
from sigasr.train.ddp import DistributedContext, all_reduce_sum
from sigasr.train.gpu_busy import GpuBusy
from sigasr.train.metrics import METRICS_FILE, MetricsLog, StepClock
from sigasr.train.nonfinite import NonFiniteGuard
from sigasr.train.optimizer import build_optimizer
from sigasr.train.progress import TrainProgress
from sigasr.train.rng import capture_rng_state, restore_rng_state
from sigasr.train.schedule import WarmupCosineLR
from sigasr.train.text_log import TEXT_LOG_FILE, TextLog


@dataclass
class TrainState:
    """The counters a checkpoint carries besides module states."""

    step: int = 0
    epoch: int = 0
    batches_in_epoch: int = 0  # loader batches consumed since the epoch began
    cuts_in_epoch: int | None = 0  # cuts in them (None: resumed from a checkpoint without it)
    audio_seconds: float = 0.0


class Trainer:
    """Trains ``model`` on ``train_loader`` for ``cfg.train.max_steps`` optimizer steps.

    Args:
        cfg: the resolved experiment config.
        exp_dir: checkpoints go to ``exp_dir/checkpoints``, logs to ``exp_dir/tensorboard``,
            ``exp_dir/metrics.jsonl`` (:mod:`sigasr.train.metrics`) and ``exp_dir/log-train.txt``
            (:class:`~sigasr.train.text_log.TextLog`: the resolved config, then every message
            and every ``log_every``-th step's loss).
        model: a :class:`~sigasr.CTCModel` (not yet on the device).
        tokenizer: used to turn validation hypotheses into text.
        train_loader, sampler: from :func:`sigasr.data.loaders.train_dataloader`; the sampler
            has ``set_epoch``, ``state_dict`` and ``load_state_dict``.
        dev_loaders: set name -> evaluation loader, for periodic validation.
        ctx: this process's place in the (possibly distributed) job.
    """

    def __init__(
        self,
        cfg: DictConfig,
        exp_dir: str | Path,
        model: nn.Module,
        tokenizer,
        train_loader,
        sampler,
        dev_loaders: dict,
        ctx: DistributedContext,
    ):
        self.cfg = cfg
        self.tcfg = cfg.train
        self.exp_dir = Path(exp_dir)
        self.ctx = ctx
        self.tokenizer = tokenizer
        self.train_loader = train_loader
        self.sampler = sampler
        self.dev_loaders = dev_loaders
        self.model = model.to(ctx.device)
        self.optimizer = build_optimizer(self.model, self.tcfg.lr, self.tcfg.weight_decay)
        self.scheduler = WarmupCosineLR(
            self.optimizer, self.tcfg.warmup_steps, self.tcfg.max_steps, self.tcfg.min_lr_ratio
        )
        if self.tcfg.compile:
            self.model.encoder.compile_layers()
        forward_model = self.model
        if ctx.is_distributed:
            device_ids = [ctx.local_rank] if ctx.device.type == "cuda" else None
            forward_model = DistributedDataParallel(forward_model, device_ids=device_ids)
        self.forward_model = forward_model
        self.checkpoints = CheckpointDir(self.exp_dir / "checkpoints", self.tcfg.keep_last)
        self.guard = NonFiniteGuard(self.tcfg.max_nonfinite_steps)
        self.gpu_busy = GpuBusy(ctx.device)
        self.state = TrainState()
        self.epoch_start_sampler_state: dict = {}
        self.progress: TrainProgress | None = None
        self.writer = None
        self.metrics: MetricsLog | None = None
        self.text_log: TextLog | None = None

    # -- checkpoints ---------------------------------------------------------------------

    def _gather(self, value) -> list:
        if not self.ctx.is_distributed:
            return [value]
        gathered = [None] * self.ctx.world_size
        dist.all_gather_object(gathered, value)
        return gathered

    def save_checkpoint(self) -> None:
        """Collective: every rank contributes its RNG and sampler state; rank 0 writes."""
        rng = self._gather(capture_rng_state())
        sampler = self._gather(
            {
                "epoch_start": self.epoch_start_sampler_state,
                "consumed": self.state.batches_in_epoch,
                "drawn": self.state.cuts_in_epoch,
            }
        )
        if self.ctx.is_main:
            state = {
                "model": self.model.state_dict(),
                "optimizer": self.optimizer.state_dict(),
                "scheduler": self.scheduler.state_dict(),
                "sampler": sampler,
                "rng": rng,
                "step": self.state.step,
                "epoch": self.state.epoch,
                "batches_in_epoch": self.state.batches_in_epoch,
                "audio_seconds": self.state.audio_seconds,
                "nonfinite": self.guard.state_dict(),
                "world_size": self.ctx.world_size,
            }
            path = self.checkpoints.save(state, self.state.step)
            self.log(f"saved {path}")
        if self.ctx.is_distributed:
            dist.barrier()

    def resume(self) -> dict | None:
        """Loads the newest good checkpoint, if any; returns its per-rank RNG states.

        Rank 0 removes temporaries of killed writes and moves corrupt checkpoints aside
        (:meth:`CheckpointDir.newest_good`) before the other ranks read the newest one.
        """
        found = None
        if self.ctx.is_main:
            for stale in self.checkpoints.remove_stale_temporaries():
                self.log(f"removed {stale} (a write that did not finish)")
            found = self.checkpoints.newest_good()
        if self.ctx.is_distributed:
            dist.barrier()
            if not self.ctx.is_main and (latest := self.checkpoints.latest()) is not None:
                found = latest, load_checkpoint(latest)
        if found is None:
            return None
        path, ckpt = found
        if ckpt["world_size"] != self.ctx.world_size:
            raise CheckpointError(
                f"{path}: written by {ckpt['world_size']} processes, now {self.ctx.world_size}; "
                "exact resume needs the same number of processes"
            )
        load_state_checked(self.model, ckpt["model"], path)
        self.optimizer.load_state_dict(ckpt["optimizer"])
        self.scheduler.load_state_dict(ckpt["scheduler"])
        position = ckpt["sampler"][self.ctx.rank]
        self.epoch_start_sampler_state = position["epoch_start"]
        # load_state_dict consumes the dict it is given (lhotse's does)
        self.sampler.load_state_dict(copy.deepcopy(position["epoch_start"]))
        batches = iter(self.sampler)
        for _ in range(position["consumed"]):
            next(batches)
        # Re-load the state reached: the next iter() (the loader's) then continues from it.
        self.sampler.load_state_dict(self.sampler.state_dict())
        self.guard.load_state_dict(ckpt["nonfinite"])
        self.state = TrainState(
            step=ckpt["step"],
            epoch=ckpt["epoch"],
            batches_in_epoch=position["consumed"],
            cuts_in_epoch=position.get("drawn"),  # None where the checkpoint does not hold it
            audio_seconds=ckpt["audio_seconds"],
        )
        self.log(f"resumed from {path} at step {self.state.step}")
        return ckpt["rng"][self.ctx.rank]

    # -- logging -------------------------------------------------------------------------

    def log(self, message: str) -> None:
        """Prints ``message`` (rank 0) and appends it to ``log-train.txt``."""
        if self.ctx.is_main:
            if self.text_log is not None:
                self.text_log.write(message)
            if self.progress is not None:
                self.progress.write(message)
            else:
                print(message, flush=True)

    def _scalar(self, name: str, value: float) -> None:
        if self.writer is not None:
            self.writer.add_scalar(name, value, self.state.step)

    # -- one optimizer step --------------------------------------------------------------

    def _micro_step(self, batch, sync: bool) -> tuple[Tensor, int]:
        """Forward and backward of one batch; gradients are summed, not yet averaged.
        Returns the summed loss (a device scalar: nothing here waits for the GPU) and the
        number of target tokens."""
        features = batch["features"].to(self.ctx.device, non_blocking=True)
        no_sync = getattr(self.forward_model, "no_sync", None)
        context = no_sync() if (no_sync is not None and not sync) else contextlib.nullcontext()
        with context:
            with autocast_for(self.ctx.device, self.tcfg.amp):
                # Lengths as ints stay on the host (DDP would move a tensor to the GPU first):
                # the encoder checks them there and copies them over without a wait.
                lengths = batch["feature_lens"].tolist()
                log_probs, out_lens = self.forward_model(features, lengths)
            loss_sum, num_tokens = ctc_loss(log_probs.float(), out_lens, batch["tokens"])
            (loss_sum / max(num_tokens, 1) / self.tcfg.accum_grad).backward()
        return loss_sum.detach(), num_tokens

    def _optimizer_step(self, batches: list[dict]) -> tuple[float, bool, float]:
        """Returns the mean loss per token, whether it and the gradients were finite, and the
        pre-clip grad norm.

        The GPU work of the whole step is queued before the host reads anything back, once:
        the finiteness check runs on the device and the fused AdamW skips its update there
        (``found_inf``) when any process saw a non-finite loss or gradient.
        """
        device = self.ctx.device
        loss_sum, num_tokens = torch.zeros((), device=device), 0
        for i, batch in enumerate(batches):
            loss, n = self._micro_step(batch, sync=i == len(batches) - 1)
            loss_sum = loss_sum + loss.float()
            num_tokens += n
        grad_norm = nn.utils.clip_grad_norm_(self.model.parameters(), self.tcfg.grad_clip)
        nonfinite = (~torch.isfinite(grad_norm) | ~torch.isfinite(loss_sum)).float()
        tokens = torch.full((), float(num_tokens), device=device)  # a fill: no host copy
        totals = all_reduce_sum(torch.stack([loss_sum, tokens, nonfinite]))
        self.optimizer.found_inf = (totals[2] > 0).float()
        self.optimizer.step()
        self.optimizer.zero_grad(set_to_none=True)
        read = torch.cat([totals, grad_norm.float().reshape(1)]).tolist()  # the one wait
        loss_total, token_total, nonfinite_total, grad_norm = read
        finite = nonfinite_total == 0.0
        if finite:
            self.scheduler.step()
        return loss_total / max(token_total, 1.0), finite, grad_norm

    # -- validation ----------------------------------------------------------------------

    def validate(self) -> None:
        """Validation loss and greedy WER on every dev set; training RNG is left untouched."""
        rng = capture_rng_state()
        for name, loader in self.dev_loaders.items():
            result = recognize(
                self.model,
                loader,
                self.tokenizer,
                self.ctx.device,
                self.tcfg.amp,
                with_loss=True,
                desc=f"valid {name}",
                show_progress=False,
            )
            wer = score(result.cut_ids, result.refs, result.hyps).stats.wer
            loss = result.loss_sum / max(result.loss_tokens, 1)
            self.log(f"step {self.state.step}: [{name}] valid loss {loss:.4f}, WER {wer:.2f}%")
            self._scalar(f"valid/{name}/loss", loss)
            self._scalar(f"valid/{name}/wer", wer)
            if self.metrics is not None:
                self.metrics.write("valid", self.state.step, set=name, loss=loss, wer=wer)
        self.model.train()
        restore_rng_state(rng)

    # -- the loop ------------------------------------------------------------------------

    def train(self) -> None:
        if self.ctx.is_main:
            self.exp_dir.mkdir(parents=True, exist_ok=True)
            self.text_log = TextLog(self.exp_dir / TEXT_LOG_FILE)
            self.text_log.start(self.cfg)
            self.log(
                f"logs: {self.exp_dir / TEXT_LOG_FILE}; TensorBoard: "
                f"tensorboard --logdir {self.exp_dir / 'tensorboard'}"
            )
        rng = self.resume()
        tcfg = self.tcfg
        if self.ctx.is_main:
            from torch.utils.tensorboard import SummaryWriter

            # Steps after the checkpoint that a killed run logged are written again: purge them.
            self.writer = SummaryWriter(
                str(self.exp_dir / "tensorboard"), purge_step=self.state.step + 1
            )
            self.metrics = MetricsLog(self.exp_dir / METRICS_FILE, self.state.step)
        clock = StepClock()
        self.progress = TrainProgress(self.state.step, tcfg.max_steps, enabled=self.ctx.is_main)
        try:
            self.model.train()
            started = time.perf_counter()
            while self.state.step < tcfg.max_steps:
                fresh_epoch, steps_before = rng is None, self.state.step
                if fresh_epoch:
                    self.sampler.set_epoch(self.state.epoch)
                    self.epoch_start_sampler_state = copy.deepcopy(self.sampler.state_dict())
                    self.state.batches_in_epoch = 0
                    self.state.cuts_in_epoch = 0
                batches = iter(self.train_loader)
                if rng is not None:
                    # Creating the loader iterator draws from torch's RNG; restore after it.
                    restore_rng_state(rng)
                    rng = None
                pending: list[dict] = []
                for batch in batches:
                    self.state.batches_in_epoch += 1
                    if self.state.cuts_in_epoch is not None:
                        self.state.cuts_in_epoch += len(batch["durations"])
                    pending.append(batch)
                    if len(pending) < tcfg.accum_grad:
                        continue
                    audio = float(sum(sum(b["durations"]) for b in pending))
                    audio *= self.ctx.world_size
                    loss, finite, grad_norm = self._optimizer_step(pending)
                    report_first("first training step", self.log)
                    pending = []
                    self.state.step += 1
                    self.state.audio_seconds += audio
                    step_ms = clock.lap()
                    self._log_step(loss, grad_norm, step_ms, audio)
                    self._after_step(loss, finite, audio, step_ms)
                    clock.reset()  # validation and checkpoints are not step time
                    if self.state.step >= tcfg.max_steps:
                        break
                else:
                    self._end_epoch(pending, fresh_epoch, steps_before)
        except KeyboardInterrupt:  # sigasr.cli.main prints the one line for the terminal
            if self.text_log is not None:
                self.text_log.write(f"interrupted at step {self.state.step}; {self._resume_hint()}")
            raise
        finally:  # also when a non-finite stop, an error or Ctrl-C ends training
            self.progress.close()
            self.progress = None
            if self.metrics is not None:
                self.metrics.close()
            if self.writer is not None:
                self.writer.close()
        elapsed = time.perf_counter() - started
        self.log(
            f"training done: {self.state.step} steps, {self.guard.total} skipped as "
            f"non-finite, {elapsed:.0f} s this session"
        )
        if self.text_log is not None:
            self.text_log.close()

    def _resume_hint(self) -> str:
        latest = self.checkpoints.latest()
        if latest is None:
            return "no checkpoint yet: the same command starts again from step 0"
        return f"the same command resumes from {latest.name}"

    def _end_epoch(self, pending: list[dict], fresh_epoch: bool, steps_before: int) -> None:
        """Reports what the epoch left unused: batches short of accum_grad, and the training
        cuts no batch drew (counted across a resume, as checkpoints carry the count).

        Collective under DDP (every rank ends an epoch after the same number of batches).
        """
        self.state.epoch += 1
        if pending:
            self.log(f"epoch end: {len(pending)} batch(es) short of accum_grad, unused")
        if self.state.cuts_in_epoch is not None:
            count = torch.tensor([self.state.cuts_in_epoch], device=self.ctx.device)
            drawn = int(all_reduce_sum(count).item())
            kept = getattr(getattr(self.sampler, "drop_report", None), "kept", None)
            if kept is not None and drawn < kept:
                self.log(
                    f"epoch end: {kept - drawn} of {kept} training cuts were left in the "
                    "buckets' short last batches (dropped: DDP or data.drop_last)"
                )
        if fresh_epoch and self.state.step == steps_before:
            raise ConfigError(
                f"epoch {self.state.epoch - 1} gave {self.state.batches_in_epoch} batch(es) "
                f"and no optimizer step: the training set is too small for "
                f"train.accum_grad={self.tcfg.accum_grad} x {self.ctx.world_size} "
                "process(es) at this data.max_duration; lower them"
            )

    def _log_step(self, loss: float, grad_norm: float, step_ms: float, audio: float) -> None:
        """One ``train`` entry in metrics.jsonl (with ``audio_s``, the step's audio seconds, all
        processes); grad norm, step time, audio seconds per second and GPU busy % to
        TensorBoard."""
        lr = self.scheduler.get_last_lr()[0]
        busy_now = self.gpu_busy.sample()
        if self.metrics is not None:
            entry = {
                "loss": loss, "lr": lr, "grad_norm": grad_norm, "step_ms": step_ms, "audio_s": audio
            }  # fmt: skip
            if busy_now is not None:
                entry["gpu_busy"] = busy_now
            self.metrics.write("train", self.state.step, **entry)
        self._scalar("train/grad_norm", grad_norm)
        self._scalar("train/step_ms", step_ms)
        self._scalar("train/audio_s_per_s", audio / max(step_ms / 1000.0, 1e-9))
        if (busy := self.gpu_busy.percent()) is not None:
            self._scalar("train/gpu_busy_pct", busy)

    def _after_step(self, loss: float, finite: bool, audio_seconds: float, step_ms: float) -> None:
        step, tcfg = self.state.step, self.tcfg
        lr = self.scheduler.get_last_lr()[0]
        if not finite:
            self.log(f"step {step}: non-finite loss or gradient; update skipped")
        self.guard.record(finite, step)
        if not finite:
            self._scalar("train/nonfinite_skipped", self.guard.total)
        self.progress.update(
            loss if finite else float("nan"), lr, audio_seconds, step_ms / 1000.0,
            self.gpu_busy.percent(),
        )  # fmt: skip
        if step % tcfg.log_every == 0 and finite:
            self._scalar("train/loss", loss)
            self._scalar("train/lr", lr)
            if self.text_log is not None:
                self.text_log.write(f"step {step}: loss {loss:.4f}, lr {lr:.3e}")
        if tcfg.valid_every > 0 and step % tcfg.valid_every == 0 and self.dev_loaders:
            self.validate()
        if step % tcfg.save_every == 0 or step == tcfg.max_steps:
            self.save_checkpoint()
