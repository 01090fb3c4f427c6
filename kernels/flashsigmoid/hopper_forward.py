"""The forward on Hopper (sm_90): a persistent, warp-specialised Gluon kernel.

O = sigmoid(Q K^T scale + b) V for unpadded, non-causal batches without ALiBi, D = 64 or 128,
bfloat16 or float16 (dispatch.route). It matches the Triton forward (forward.py) to rounding.

Layout: q, k, v, out (B, N, H, D), each read as a 3-D (B, N, H*D) tensor through a TMA
descriptor with a (1, BLOCK, D) box: rows past N read as zero, so the last key tile needs no
mask (a zero key row gives p = sigmoid(b), times a zero value row), and the TMA store drops
output rows past N.

Work: tile t = (b, h, m) with m fastest; program p of P takes t = p, p + P, ... Per program:
    loader warp     Q of the next tile into the free one of two buffers; K and V tiles into
                    a STAGES-deep ring (mbarriers say "ready" and "empty" per slot)
    compute warps   S_j = Q K_j^T (wgmma, fp32 in registers), P_j = sigmoid(S_j) in the
                    input dtype, O += P_j V_j (wgmma, P_j from registers); S_{j+1} and P_j V_j
                    run on the tensor cores while P_{j+1} is computed; O leaves through one
                    shared tile and a TMA store that overlaps the next tile
Triton's own forward cannot express this split (one warp issuing copies, the rest doing math
with more registers each: setmaxnreg), nor a persistent walk with Q prefetched.
"""

from __future__ import annotations

import math

import torch
from triton.experimental import gluon
from triton.experimental.gluon import language as gl
from triton.experimental.gluon.language.nvidia.hopper import (
    fence_async_shared,
    mbarrier,
    tma,
    warpgroup_mma,
    warpgroup_mma_wait,
)

from flashsigmoid import hopper, launcher
from flashsigmoid.hopper import (
    a_operand_layout,
    bias_of,
    descriptor,
    ring_load,
    sigmoid_half,
    wgmma_layout,
)
from flashsigmoid.tiles import hopper_forward_tiles


@gluon.jit
def _tile_origin(tile, n_m, H, BLOCK_M: gl.constexpr, HEAD_D: gl.constexpr):
    """(b, first query row, first column of head h in the H*D row) of tile (b, h, m)."""
    bh = tile // n_m
    return bh // H, (tile % n_m) * BLOCK_M, (bh % H) * HEAD_D


@gluon.jit
def _loader(q_desc, k_desc, v_desc, q_smem, k_smem, v_smem,
            q_ready, q_empty, k_ready, k_empty, v_ready, v_empty,
            H, n_m, n_kv, total,
            BLOCK_M: gl.constexpr, BLOCK_N: gl.constexpr, HEAD_D: gl.constexpr,
            STAGES: gl.constexpr):  # fmt: skip
    it = 0
    t = 0
    for tile in range(gl.program_id(0), total, gl.num_programs(0)):
        b, m0, col = _tile_origin(tile, n_m, H, BLOCK_M, HEAD_D)
        ring_load(q_desc, b, m0, col, q_ready, q_empty, q_smem, t, 2)  # Q double-buffered
        for j in range(n_kv):
            ring_load(k_desc, b, j * BLOCK_N, col, k_ready, k_empty, k_smem, it, STAGES)
            ring_load(v_desc, b, j * BLOCK_N, col, v_ready, v_empty, v_smem, it, STAGES)
            it += 1
        t += 1


@gluon.jit
def _probs(s, half_scale, half_bias, dtype: gl.constexpr, p_layout: gl.constexpr):
    """sigmoid(scale s + b), one MUFU op per logit, as the A operand of the P V wgmma."""
    p = sigmoid_half(s * half_scale + half_bias)
    return gl.convert_layout(p.to(dtype), p_layout)


@gluon.jit
def _compute(o_desc, q_smem, k_smem, v_smem, o_smem,
             q_ready, q_empty, k_ready, k_empty, v_ready, v_empty,
             Bias, stride_bias_b, stride_bias_h, bias_value, half_scale,
             H, n_m, n_kv, total,
             BLOCK_M: gl.constexpr, BLOCK_N: gl.constexpr, HEAD_D: gl.constexpr,
             STAGES: gl.constexpr, BIAS_TENSOR: gl.constexpr):  # fmt: skip
    dtype: gl.constexpr = o_desc.dtype
    s_layout: gl.constexpr = wgmma_layout(gl.num_warps(), BLOCK_N)
    o_layout: gl.constexpr = wgmma_layout(gl.num_warps(), HEAD_D)
    p_layout: gl.constexpr = a_operand_layout(o_layout)
    s_zero = gl.zeros([BLOCK_M, BLOCK_N], gl.float32, s_layout)
    it = 0
    t = 0
    for tile in range(gl.program_id(0), total, gl.num_programs(0)):
        b, m0, col = _tile_origin(tile, n_m, H, BLOCK_M, HEAD_D)
        bias = bias_of(Bias, stride_bias_b, stride_bias_h, bias_value, b, col // HEAD_D,
                       BIAS_TENSOR)  # fmt: skip
        half_bias = 0.5 * bias
        qb = t % 2
        mbarrier.wait(q_ready.index(qb), (t // 2) & 1)
        q = q_smem.index(qb).reshape([BLOCK_M, HEAD_D])

        # Key tile 0: S only.
        s = it % STAGES
        mbarrier.wait(k_ready.index(s), (it // STAGES) & 1)
        k_t = k_smem.index(s).reshape([BLOCK_N, HEAD_D]).permute((1, 0))
        sc = warpgroup_mma(q, k_t, s_zero, use_acc=False, is_async=True)
        sc = warpgroup_mma_wait(num_outstanding=0, deps=(sc,))
        mbarrier.arrive(k_empty.index(s))
        p = _probs(sc, half_scale, half_bias, dtype, p_layout)
        o = gl.zeros([BLOCK_M, HEAD_D], gl.float32, o_layout)
        # Steady state: issue S_{j+1} = Q K_{j+1}^T, then O += P_j V_j; wait for S_{j+1}
        # (wgmma groups retire in order: one left outstanding), compute P_{j+1} while
        # P_j V_j runs, then wait for it (P_j, its register operand, stays live until then).
        for _j in range(n_kv - 1):
            s = it % STAGES
            sn = (it + 1) % STAGES
            mbarrier.wait(k_ready.index(sn), ((it + 1) // STAGES) & 1)
            k_t = k_smem.index(sn).reshape([BLOCK_N, HEAD_D]).permute((1, 0))
            sc = warpgroup_mma(q, k_t, s_zero, use_acc=False, is_async=True)
            mbarrier.wait(v_ready.index(s), (it // STAGES) & 1)
            o = warpgroup_mma(p, v_smem.index(s).reshape([BLOCK_N, HEAD_D]), o, is_async=True)
            sc = warpgroup_mma_wait(num_outstanding=1, deps=(sc,))
            mbarrier.arrive(k_empty.index(sn))
            p_next = _probs(sc, half_scale, half_bias, dtype, p_layout)
            o, p = warpgroup_mma_wait(num_outstanding=0, deps=(o, p))
            mbarrier.arrive(v_empty.index(s))
            p = p_next
            it += 1
        mbarrier.arrive(q_empty.index(qb))  # every S of this tile has retired: Q is free
        # Last key tile: P V only.
        s = it % STAGES
        mbarrier.wait(v_ready.index(s), (it // STAGES) & 1)
        o = warpgroup_mma(p, v_smem.index(s).reshape([BLOCK_N, HEAD_D]), o, is_async=True)
        o = warpgroup_mma_wait(num_outstanding=0, deps=(o,))
        mbarrier.arrive(v_empty.index(s))
        it += 1

        tma.store_wait(pendings=0)  # the previous tile's store has read o_smem
        o_smem.reshape([BLOCK_M, HEAD_D]).store(o.to(dtype))
        fence_async_shared()
        tma.async_copy_shared_to_global(o_desc, [b, m0, col], o_smem)
        t += 1
    tma.store_wait(pendings=0)
    return (t,)  # warp_specialize hands back the compute partition's results as a tuple


@gluon.jit
def _forward_kernel(q_desc, k_desc, v_desc, o_desc,
                    Bias, stride_bias_b, stride_bias_h, bias_value, half_scale,
                    N, H, n_m, total,
                    HEAD_D: gl.constexpr, BLOCK_M: gl.constexpr, BLOCK_N: gl.constexpr,
                    STAGES: gl.constexpr, BIAS_TENSOR: gl.constexpr):  # fmt: skip
    dtype: gl.constexpr = q_desc.dtype
    n_kv = gl.cdiv(N, BLOCK_N)
    q_smem = gl.allocate_shared_memory(dtype, [2, 1, BLOCK_M, HEAD_D], q_desc.layout)
    o_smem = gl.allocate_shared_memory(dtype, [1, BLOCK_M, HEAD_D], o_desc.layout)
    k_smem = gl.allocate_shared_memory(dtype, [STAGES, 1, BLOCK_N, HEAD_D], k_desc.layout)
    v_smem = gl.allocate_shared_memory(dtype, [STAGES, 1, BLOCK_N, HEAD_D], v_desc.layout)
    bar: gl.constexpr = mbarrier.MBarrierLayout()
    q_ready = gl.allocate_shared_memory(gl.int64, [2, 1], bar)
    q_empty = gl.allocate_shared_memory(gl.int64, [2, 1], bar)
    k_ready = gl.allocate_shared_memory(gl.int64, [STAGES, 1], bar)
    k_empty = gl.allocate_shared_memory(gl.int64, [STAGES, 1], bar)
    v_ready = gl.allocate_shared_memory(gl.int64, [STAGES, 1], bar)
    v_empty = gl.allocate_shared_memory(gl.int64, [STAGES, 1], bar)
    for i in gl.static_range(2):
        mbarrier.init(q_ready.index(i), count=1)
        mbarrier.init(q_empty.index(i), count=1)
    for i in gl.static_range(STAGES):
        mbarrier.init(k_ready.index(i), count=1)
        mbarrier.init(k_empty.index(i), count=1)
        mbarrier.init(v_ready.index(i), count=1)
        mbarrier.init(v_empty.index(i), count=1)
    fence_async_shared()
    gl.warp_specialize(
        [
            (_compute, (o_desc, q_smem, k_smem, v_smem, o_smem,
                        q_ready, q_empty, k_ready, k_empty, v_ready, v_empty,
                        Bias, stride_bias_b, stride_bias_h, bias_value, half_scale,
                        H, n_m, n_kv, total, BLOCK_M, BLOCK_N, HEAD_D, STAGES, BIAS_TENSOR)),
            (_loader, (q_desc, k_desc, v_desc, q_smem, k_smem, v_smem,
                       q_ready, q_empty, k_ready, k_empty, v_ready, v_empty,
                       H, n_m, n_kv, total, BLOCK_M, BLOCK_N, HEAD_D, STAGES)),
        ],
        [1],  # loader warps
        [24],  # loader registers per thread (setmaxnreg): the rest go to the compute warps
    )  # fmt: skip


def forward(q, k, v, seq_lens, bias, slopes, scale: float, causal: bool, log_n: bool, plan):
    """O for q, k, v (B, N, H, D) that dispatch.route sends here (seq_lens and slopes None,
    causal False); bias (B, H) (any strides) or None; log_n: the bias is -log N (bias is then
    None). The arguments are those of forward.forward."""
    batch, n, heads, dim = q.shape
    out = torch.empty(q.shape, dtype=q.dtype, device=q.device)
    tiles = hopper_forward_tiles(dim, n)
    n_m = -(-n // tiles.block_m)
    total = n_m * batch * heads
    programs = min(total, hopper.sm_count(q.device) * tiles.programs_per_sm)
    bias_strides = (bias.stride(0), bias.stride(1)) if bias is not None else (0, 0)
    args = (
        descriptor(q, tiles.block_m), descriptor(k, tiles.block_n),
        descriptor(v, tiles.block_n), descriptor(out, tiles.block_m),
        bias, *bias_strides, -math.log(n) if log_n else 0.0, 0.5 * scale,
        n, heads, n_m, total,
    )  # fmt: skip
    constexprs = dict(
        HEAD_D=dim, BLOCK_M=tiles.block_m, BLOCK_N=tiles.block_n, STAGES=tiles.num_stages,
        BIAS_TENSOR=bias is not None, num_warps=tiles.num_warps,
    )  # fmt: skip
    if tiles.maxnreg is not None:
        constexprs["maxnreg"] = tiles.maxnreg
    launcher.launch(_forward_kernel, (programs,), args, constexprs)
    return out
