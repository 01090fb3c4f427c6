"""Run by ``torchrun`` from test_ddp.py: trains the stand-in setup in a world of two (gloo).

    python -m torch.distributed.run --nproc-per-node 2 -m tests.train.ddp_worker EXP STEPS
        [--compare-accumulation]

Trains (or resumes) in EXP up to STEPS and checks that the ranks hold the same weights. With
--compare-accumulation, rank 0 then trains the same setup alone with ``world_size`` times the
gradient accumulation: rank r takes batches r, r + 2, ... so each DDP step sees the batches
that one accumulated step sees, and the weights must agree up to float rounding. Dropout is
off in both: its draws differ between a rank's micro-batches and the single process's.
"""

import sys
from pathlib import Path

import torch
import torch.distributed as dist

from sigasr.train.ddp import setup_distributed, teardown_distributed
from tests.train.test_trainer import make_trainer

ACCUM = 2  # make_trainer's default

exp_dir, steps = Path(sys.argv[1]), int(sys.argv[2])


def without_dropout(trainer):
    for module in trainer.model.modules():
        if isinstance(module, torch.nn.Dropout):
            module.p = 0.0
    return trainer


def flat_weights(trainer) -> torch.Tensor:
    return torch.cat([p.detach().flatten() for p in trainer.model.parameters()])


ctx = setup_distributed("cpu")
trainer = without_dropout(make_trainer(exp_dir, max_steps=steps, valid_every=0, ctx=ctx))
trainer.train()
flat = flat_weights(trainer)
gathered = [torch.empty_like(flat) for _ in range(ctx.world_size)]
dist.all_gather(gathered, flat)
if ctx.is_main:
    assert all(torch.equal(gathered[0], g) for g in gathered), "ranks diverged"
    print(f"DDP OK: world_size={ctx.world_size}, step={trainer.state.step}")
teardown_distributed()

if ctx.is_main and "--compare-accumulation" in sys.argv:
    single = without_dropout(
        make_trainer(
            exp_dir / "single", max_steps=steps, valid_every=0, accum_grad=ACCUM * ctx.world_size
        )
    )
    single.train()
    diff = float((flat_weights(single) - flat).abs().max())
    assert torch.allclose(flat_weights(single), flat, rtol=1e-4, atol=1e-6), diff
    print(f"DDP matches one process accumulating {ACCUM * ctx.world_size}: max |diff| {diff:.1e}")
