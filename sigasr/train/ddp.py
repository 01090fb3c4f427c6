"""Distributed data parallel setup from the environment ``torchrun`` provides.

One process per GPU with NCCL; on a machine without CUDA, gloo on the CPU (used by tests).
A plain ``sigasr train`` without torchrun is a world of one and creates no process group.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch
import torch.distributed as dist

from sigasr.runtime import resolve_device


@dataclass(frozen=True)
class DistributedContext:
    """Where this process sits in the job: ``rank`` of ``world_size``, on ``device``."""

    rank: int
    world_size: int
    local_rank: int
    device: torch.device

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    @property
    def is_distributed(self) -> bool:
        return self.world_size > 1


def setup_distributed(device: str = "auto") -> DistributedContext:
    """Reads RANK, WORLD_SIZE and LOCAL_RANK (set by torchrun) and joins the process group.

    ``device`` is ``auto`` (the local GPU if CUDA is available, else the CPU), ``cpu`` or
    ``cuda``.
    """
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    dev = resolve_device(device, local_rank)
    if dev.type == "cuda":
        torch.cuda.set_device(dev)
    if world_size > 1 and not dist.is_initialized():
        dist.init_process_group(backend="nccl" if dev.type == "cuda" else "gloo")
    return DistributedContext(rank, world_size, local_rank, dev)


def teardown_distributed() -> None:
    if dist.is_initialized():
        dist.destroy_process_group()


def all_reduce_sum(values: torch.Tensor) -> torch.Tensor:
    """Sums ``values`` over all processes (in place); a no-op in a world of one."""
    if dist.is_initialized():
        dist.all_reduce(values, op=dist.ReduceOp.SUM)
    return values
