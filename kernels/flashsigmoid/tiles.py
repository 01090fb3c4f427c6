"""Every tile choice of the kernels, as one type: :class:`Tile`.

The Triton kernels autotune over ``FORWARD_CANDIDATES`` and ``BACKWARD_CANDIDATES``, or run
``fixed_tiles`` (FLASHSIGMOID_AUTOTUNE=0, and the interpreter). The Gluon kernels for Hopper
run fixed tiles: ``hopper_forward_tiles``, ``HOPPER_DKDV`` and ``HOPPER_DQ``.

In every kernel BLOCK_M counts query rows and BLOCK_N key rows; which side a program owns and
which it steps over is the kernel's (see its docstring). The candidates are the tiles that
were best at some ASR or long-sequence shape in tile sweeps (``tools/tile_sweep.py``) on an
H100 and H200; kernels/DESIGN.md says why these shapes of tile.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Tile:
    """The launch tiles of one kernel.

    block_m, block_n: query rows and key rows per tile (BLOCK_M and BLOCK_N);
    num_warps, num_stages: Triton's launch options (the Gluon kernels: compute warps per
    consumer, and the depth of their TMA ring); tma: whole tiles read through TMA descriptors;
    maxnreg: a cap on registers per thread (ptxas), so that more programs share an SM;
    programs_per_sm: how many programs of a persistent kernel run on one SM.
    """

    block_m: int
    block_n: int
    num_warps: int
    num_stages: int
    tma: bool = False
    maxnreg: int | None = None
    programs_per_sm: int = 1

    @functools.cached_property
    def constexprs(self) -> dict:
        """The Triton kernels' tile arguments and launch options (one dict: do not change it)."""
        kwargs = dict(
            BLOCK_M=self.block_m, BLOCK_N=self.block_n, TMA=self.tma,
            num_warps=self.num_warps, num_stages=self.num_stages,
        )  # fmt: skip
        if self.maxnreg is not None:
            kwargs["maxnreg"] = self.maxnreg
        return kwargs

    @classmethod
    def of(cls, kwargs: dict) -> Tile:
        """The tile of a ``triton.Config.all_kwargs()``."""
        return cls(
            kwargs["BLOCK_M"], kwargs["BLOCK_N"], kwargs["num_warps"], kwargs["num_stages"],
            bool(kwargs.get("TMA", False)), kwargs.get("maxnreg"),
        )  # fmt: skip

    def label(self) -> str:
        """ "BLOCK_M x BLOCK_N, W warps, S st[, TMA][, <= R regs]"."""
        tma = ", TMA" if self.tma else ""
        regs = f", <= {self.maxnreg} regs" if self.maxnreg else ""
        return f"{self.block_m} x {self.block_n}, {self.num_warps} warps, {self.num_stages} st{tma}{regs}"


# Triton forward: a program owns BLOCK_M queries and steps over keys BLOCK_N at a time.
# (128, 32, 8, 3, TMA) wins at D = 128; (128, 64, 4, 3, TMA) at N = 750-2048, D = 64;
# (64, 64, 4, 3) at N <= 256, where descriptors do not pay for themselves.
FORWARD_CANDIDATES = (
    Tile(128, 64, 4, 3), Tile(128, 64, 8, 3), Tile(128, 128, 8, 2), Tile(64, 64, 4, 3),
    Tile(64, 32, 4, 3), Tile(64, 32, 4, 3, tma=True), Tile(128, 64, 8, 3, tma=True),
    Tile(128, 32, 8, 3, tma=True), Tile(128, 64, 4, 3, tma=True),
)  # fmt: skip

# Triton backward: a program owns BLOCK_N rows (keys for dK/dV, queries for dQ) and steps over
# the other side BLOCK_M rows at a time. 128-row tiles spill at D = 128.
BACKWARD_CANDIDATES = (
    Tile(64, 64, 4, 3), Tile(32, 64, 4, 3), Tile(32, 128, 4, 3), Tile(64, 128, 8, 3),
    Tile(64, 128, 8, 4), Tile(64, 64, 4, 3, tma=True), Tile(32, 64, 4, 3, tma=True),
    Tile(64, 128, 8, 3, tma=True),
)  # fmt: skip


def fixed_tiles(
    n: int, d_pad: int, itemsize: int, padded: bool, tma: str, interpret: bool
) -> tuple[Tile, Tile]:
    """(forward, backward) tiles without autotuning: at 16 bits, the autotuner's usual picks.

    n: sequence length; d_pad: head dim padded to a power of two; itemsize: bytes per
    element; padded: the batch has seq_lens; tma: "off", "auto" or "on" (dispatch.Plan.tma):
    "on" reads every tile through descriptors, "auto" where that pays. The interpreter takes
    tiny tiles; float32, and D = 256, small ones that fit any GPU's shared memory.
    """
    if interpret:
        tile = Tile(16, 16, 4, 1, tma=tma == "on")
        return tile, tile
    if itemsize != 2 or d_pad > 128:
        tile = Tile(64, 64, 4, 2) if d_pad * itemsize <= 256 else Tile(32, 32, 4, 1)
        tile = replace(tile, tma=tma == "on")
        return tile, tile
    if d_pad == 128:
        forward, backward = Tile(128, 32, 8, 3, tma=True), Tile(32, 64, 4, 3, tma=True)
    elif n <= 256:
        forward, backward = Tile(64, 64, 4, 3), Tile(64, 64, 4, 3)
    elif n <= 1024:
        forward, backward = Tile(128, 64, 4, 3, tma=not padded), Tile(32, 128, 4, 3)
    else:
        forward, backward = Tile(128, 64, 4, 3, tma=not padded), Tile(32, 64, 4, 3, tma=True)
    if tma != "auto":
        forward, backward = (replace(t, tma=tma == "on") for t in (forward, backward))
    return forward, backward


def hopper_forward_tiles(dim: int, n: int) -> Tile:
    """The Gluon forward's tiles (block_m = 16 x num_warps: whole warpgroups)."""
    if dim == 128:
        return Tile(128, 64, 8, 3)
    if n <= 1024:
        return Tile(64, 64, 4, 3, maxnreg=80, programs_per_sm=3)
    return Tile(128, 64, 8, 2, maxnreg=80, programs_per_sm=2)


# The Gluon backward at D = 128 (164 / 192 KiB of shared memory). dK/dV: each of two consumers
# owns block_n keys and steps over block_m queries; dQ: each owns block_m queries and steps
# over block_n keys. num_warps: one warpgroup per consumer; num_stages: ring slots.
HOPPER_DKDV = Tile(64, 64, 4, 3)
HOPPER_DQ = Tile(64, 128, 4, 2)
