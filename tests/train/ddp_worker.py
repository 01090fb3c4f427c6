"""Run by ``torchrun`` from test_ddp.py: trains the stand-in setup in a world of two (gloo)."""

import sys

import torch
import torch.distributed as dist

from sigasr.train.ddp import setup_distributed, teardown_distributed
from tests.train.test_trainer import make_trainer

exp_dir = sys.argv[1]
ctx = setup_distributed("cpu")
trainer = make_trainer(exp_dir, max_steps=4, valid_every=0, ctx=ctx)
trainer.train()
flat = torch.cat([p.detach().flatten() for p in trainer.model.parameters()])
gathered = [torch.empty_like(flat) for _ in range(ctx.world_size)]
dist.all_gather(gathered, flat)
if ctx.is_main:
    assert all(torch.equal(gathered[0], g) for g in gathered), "ranks diverged"
    print(f"DDP OK: world_size={ctx.world_size}, step={trainer.state.step}")
teardown_distributed()
