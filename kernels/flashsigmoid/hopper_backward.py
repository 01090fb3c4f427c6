"""The backward on Hopper (sm_90) at D = 128: two warp-specialised Gluon kernels.

For the batches dispatch.route sends here (unpadded, non-causal, no ALiBi, bf16 / fp16,
D = 128). With
P = sigmoid(S), S = Q K^T scale + b and dS = dP * P * (1 - P), dP = dO V^T:

    dK/dV kernel   a program owns 2 x HALF keys of one (b, h) and walks the query tiles j
                   (Q_j, dO_j through a ring); consumer c owns keys c HALF .. (c + 1) HALF
                   (its K_c, V_c in shared memory) and computes
                   S^T = K_c Q_j^T, dP^T = V_c dO_j^T (wgmma from shared memory),
                   dV_c += P^T dO_j, dK_c += dS^T Q_j (P^T, dS^T from registers);
                   d bias += the sum of dS^T (one atomic add per consumer)
    dQ kernel      a program owns 2 x HALF queries and walks the key tiles j (K_j, V_j through
                   a ring); consumer c owns its HALF queries (Q_c, dO_c in shared memory):
                   S = Q_c K_j^T, dP = dO_c V_j^T, dQ_c += dS K_j

Each program has one loader warp issuing the TMA copies and two consumer partitions of one
warpgroup each. The consumers share the ring (a slot is free once both have arrived) and
nothing else, so one's sigmoids overlap the other's wgmmas, while the program's L2 reads stay
those of 2 x HALF rows (one 8-warp partition would sync its two warpgroups before every
arrive). dK and dQ take the factor `scale` at the end.
Rows past N read as zero, and their dS is 0 (their dO or V rows are 0): no masks.
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

from flashsigmoid import launcher
from flashsigmoid.hopper import (
    a_operand_layout,
    bias_of,
    descriptor,
    ring_load,
    sigmoid_half,
    wgmma_layout,
)
from flashsigmoid.tiles import HOPPER_DKDV, HOPPER_DQ

CONSUMER_REGS, LOADER_REGS = 232, 24  # per thread, through setmaxnreg


@gluon.jit
def _ring(desc, ROWS: gl.constexpr, HEAD_D: gl.constexpr, STAGES: gl.constexpr):
    """STAGES slots for (1, ROWS, HEAD_D) boxes of desc, with a ready barrier per slot (the
    loader's TMA transaction) and an empty one (both consumers arrive)."""
    smem = gl.allocate_shared_memory(desc.dtype, [STAGES, 1, ROWS, HEAD_D], desc.layout)
    ready = gl.allocate_shared_memory(gl.int64, [STAGES, 1], mbarrier.MBarrierLayout())
    empty = gl.allocate_shared_memory(gl.int64, [STAGES, 1], mbarrier.MBarrierLayout())
    for i in gl.static_range(STAGES):
        mbarrier.init(ready.index(i), count=1)
        mbarrier.init(empty.index(i), count=2)
    return smem, ready, empty


@gluon.jit
def _loader(res0_desc, res1_desc, res0_smem, res1_smem, res_bar,
            ring0_desc, ring1_desc, ring0_smem, ring1_smem,
            ring0_ready, ring0_empty, ring1_ready, ring1_empty, b, row0, col, n_steps,
            STEP: gl.constexpr, HALF: gl.constexpr, STAGES: gl.constexpr):  # fmt: skip
    """The loader warp of both kernels: the rows each consumer keeps (HALF rows from row0 +
    c HALF of two tensors, on res_bar), then step j's STEP rows of two tensors through their
    rings. dK/dV keeps K, V and streams Q, dO; dQ keeps Q, dO and streams K, V."""
    mbarrier.expect(res_bar, 2 * (res0_desc.block_type.nbytes + res1_desc.block_type.nbytes))
    for c in gl.static_range(2):
        row = row0 + c * HALF
        tma.async_copy_global_to_shared(res0_desc, [b, row, col], res_bar, res0_smem.index(c))
        tma.async_copy_global_to_shared(res1_desc, [b, row, col], res_bar, res1_smem.index(c))
    for j in range(n_steps):
        ring_load(ring0_desc, b, j * STEP, col, ring0_ready, ring0_empty, ring0_smem, j, STAGES)
        ring_load(ring1_desc, b, j * STEP, col, ring1_ready, ring1_empty, ring1_smem, j, STAGES)


@gluon.jit
def _dkdv_consumer(q_smem, do_smem, k_smem, v_smem, kv_bar, q_ready, q_empty, do_ready,
                   do_empty, dk_desc, dv_desc, DBias, db_index, b, n0, col, n_m, scale,
                   half_scale, half_bias,
                   C: gl.constexpr, BLOCK_M: gl.constexpr, HALF: gl.constexpr,
                   HEAD_D: gl.constexpr, STAGES: gl.constexpr, NEED_DB: gl.constexpr):  # fmt: skip
    dtype: gl.constexpr = k_smem.dtype
    st_layout: gl.constexpr = wgmma_layout(gl.num_warps(), BLOCK_M)
    acc_layout: gl.constexpr = wgmma_layout(gl.num_warps(), HEAD_D)
    a_layout: gl.constexpr = a_operand_layout(acc_layout)
    zero = gl.zeros([HALF, BLOCK_M], gl.float32, st_layout)
    db_rows = gl.zeros([HALF], gl.float32, gl.SliceLayout(1, st_layout))
    dk = gl.zeros([HALF, HEAD_D], gl.float32, acc_layout)
    dv = gl.zeros([HALF, HEAD_D], gl.float32, acc_layout)
    mbarrier.wait(kv_bar, 0)
    k = k_smem.index(C).reshape([HALF, HEAD_D])
    v = v_smem.index(C).reshape([HALF, HEAD_D])
    for j in range(n_m):
        s = j % STAGES
        phase = (j // STAGES) & 1
        mbarrier.wait(q_ready.index(s), phase)
        q_j = q_smem.index(s).reshape([BLOCK_M, HEAD_D])
        s_t = warpgroup_mma(k, q_j.permute((1, 0)), zero, use_acc=False, is_async=True)
        mbarrier.wait(do_ready.index(s), phase)
        do_j = do_smem.index(s).reshape([BLOCK_M, HEAD_D])
        dp_t = warpgroup_mma(v, do_j.permute((1, 0)), zero, use_acc=False, is_async=True)
        # wgmma groups retire in order: waiting with one outstanding finishes S^T
        s_t = warpgroup_mma_wait(num_outstanding=1, deps=(s_t,))
        p_t = sigmoid_half(s_t * half_scale + half_bias)
        p_a = gl.convert_layout(p_t.to(dtype), a_layout)
        dv = warpgroup_mma(p_a, do_j, dv, is_async=True)
        dp_t = warpgroup_mma_wait(num_outstanding=1, deps=(dp_t,))
        ds_t = dp_t * p_t * (1.0 - p_t)
        if NEED_DB:  # row sums: a (HALF, BLOCK_M) accumulator would spill
            db_rows += gl.sum(ds_t, axis=1)
        ds_a = gl.convert_layout(ds_t.to(dtype), a_layout)
        dk = warpgroup_mma(ds_a, q_j, dk, is_async=True)
        # P^T and dS^T, register operands of the wgmmas in flight, stay live until this wait
        dv, dk, p_a, ds_a = warpgroup_mma_wait(num_outstanding=0, deps=(dv, dk, p_a, ds_a))
        mbarrier.arrive(q_empty.index(s))
        mbarrier.arrive(do_empty.index(s))
    if NEED_DB:
        gl.atomic_add(DBias + db_index, gl.sum(db_rows, axis=0))
    # This consumer's K and V tiles are dead: they stage dK and dV for the TMA stores.
    k_smem.index(C).reshape([HALF, HEAD_D]).store((dk * scale).to(dtype))
    v_smem.index(C).reshape([HALF, HEAD_D]).store(dv.to(dtype))
    fence_async_shared()
    gl.thread_barrier()
    tma.async_copy_shared_to_global(dk_desc, [b, n0 + C * HALF, col], k_smem.index(C))
    tma.async_copy_shared_to_global(dv_desc, [b, n0 + C * HALF, col], v_smem.index(C))
    tma.store_wait(pendings=0)


@gluon.jit
def _dkdv_kernel(q_desc, k_desc, v_desc, do_desc, dk_desc, dv_desc,
                 Bias, stride_bias_b, stride_bias_h, bias_value, DBias,
                 N, H, scale, half_scale,
                 HEAD_D: gl.constexpr, BLOCK_M: gl.constexpr, HALF: gl.constexpr,
                 STAGES: gl.constexpr, BIAS_TENSOR: gl.constexpr, NEED_DB: gl.constexpr,
                 CONSUMER_REGS: gl.constexpr, LOADER_REGS: gl.constexpr):  # fmt: skip
    pid_n = gl.program_id(0)
    pid_bh = gl.program_id(1)
    b = pid_bh // H
    h = pid_bh % H
    col = h * HEAD_D
    n0 = pid_n * 2 * HALF
    half_bias = 0.5 * bias_of(Bias, stride_bias_b, stride_bias_h, bias_value, b, h, BIAS_TENSOR)
    q_smem, q_ready, q_empty = _ring(q_desc, BLOCK_M, HEAD_D, STAGES)
    do_smem, do_ready, do_empty = _ring(do_desc, BLOCK_M, HEAD_D, STAGES)
    k_smem = gl.allocate_shared_memory(k_desc.dtype, [2, 1, HALF, HEAD_D], k_desc.layout)
    v_smem = gl.allocate_shared_memory(v_desc.dtype, [2, 1, HALF, HEAD_D], v_desc.layout)
    kv_bar = gl.allocate_shared_memory(gl.int64, [1], mbarrier.MBarrierLayout())
    mbarrier.init(kv_bar, count=1)
    fence_async_shared()
    n_m = gl.cdiv(N, BLOCK_M)
    # (tuples built here would lose their constexprs: the arguments are spelled out)
    gl.warp_specialize(
        [
            (_dkdv_consumer, (q_smem, do_smem, k_smem, v_smem, kv_bar, q_ready, q_empty,
                              do_ready, do_empty, dk_desc, dv_desc, DBias, pid_bh, b, n0, col,
                              n_m, scale, half_scale, half_bias,
                              0, BLOCK_M, HALF, HEAD_D, STAGES, NEED_DB)),
            (_dkdv_consumer, (q_smem, do_smem, k_smem, v_smem, kv_bar, q_ready, q_empty,
                              do_ready, do_empty, dk_desc, dv_desc, DBias, pid_bh, b, n0, col,
                              n_m, scale, half_scale, half_bias,
                              1, BLOCK_M, HALF, HEAD_D, STAGES, NEED_DB)),
            (_loader, (k_desc, v_desc, k_smem, v_smem, kv_bar,
                       q_desc, do_desc, q_smem, do_smem, q_ready, q_empty, do_ready, do_empty,
                       b, n0, col, n_m, BLOCK_M, HALF, STAGES)),
        ],
        [4, 1],  # warps of consumer 1 and of the loader (consumer 0: the kernel's num_warps)
        [CONSUMER_REGS, LOADER_REGS],
    )  # fmt: skip


@gluon.jit
def _dq_consumer(q_smem, do_smem, k_smem, v_smem, qdo_bar, k_ready, k_empty, v_ready, v_empty,
                 dq_desc, b, m0, col, n_kv, scale, half_scale, half_bias,
                 C: gl.constexpr, HALF: gl.constexpr, BLOCK_N: gl.constexpr,
                 HEAD_D: gl.constexpr, STAGES: gl.constexpr):  # fmt: skip
    dtype: gl.constexpr = q_smem.dtype
    s_layout: gl.constexpr = wgmma_layout(gl.num_warps(), BLOCK_N)
    acc_layout: gl.constexpr = wgmma_layout(gl.num_warps(), HEAD_D)
    a_layout: gl.constexpr = a_operand_layout(acc_layout)
    zero = gl.zeros([HALF, BLOCK_N], gl.float32, s_layout)
    dq = gl.zeros([HALF, HEAD_D], gl.float32, acc_layout)
    mbarrier.wait(qdo_bar, 0)
    q = q_smem.index(C).reshape([HALF, HEAD_D])
    do = do_smem.index(C).reshape([HALF, HEAD_D])
    for j in range(n_kv):
        s = j % STAGES
        phase = (j // STAGES) & 1
        mbarrier.wait(k_ready.index(s), phase)
        k_j = k_smem.index(s).reshape([BLOCK_N, HEAD_D])
        sc = warpgroup_mma(q, k_j.permute((1, 0)), zero, use_acc=False, is_async=True)
        mbarrier.wait(v_ready.index(s), phase)
        v_t = v_smem.index(s).reshape([BLOCK_N, HEAD_D]).permute((1, 0))
        dp = warpgroup_mma(do, v_t, zero, use_acc=False, is_async=True)
        sc = warpgroup_mma_wait(num_outstanding=1, deps=(sc,))
        p = sigmoid_half(sc * half_scale + half_bias)
        dp = warpgroup_mma_wait(num_outstanding=0, deps=(dp,))
        mbarrier.arrive(v_empty.index(s))
        ds_a = gl.convert_layout((dp * p * (1.0 - p)).to(dtype), a_layout)
        dq = warpgroup_mma(ds_a, k_j, dq, is_async=True)
        dq, ds_a = warpgroup_mma_wait(num_outstanding=0, deps=(dq, ds_a))
        mbarrier.arrive(k_empty.index(s))
    q_smem.index(C).reshape([HALF, HEAD_D]).store((dq * scale).to(dtype))  # Q_c is dead
    fence_async_shared()
    gl.thread_barrier()
    tma.async_copy_shared_to_global(dq_desc, [b, m0 + C * HALF, col], q_smem.index(C))
    tma.store_wait(pendings=0)


@gluon.jit
def _dq_kernel(q_desc, k_desc, v_desc, do_desc, dq_desc,
               Bias, stride_bias_b, stride_bias_h, bias_value,
               N, H, scale, half_scale,
               HEAD_D: gl.constexpr, HALF: gl.constexpr, BLOCK_N: gl.constexpr,
               STAGES: gl.constexpr, BIAS_TENSOR: gl.constexpr,
               CONSUMER_REGS: gl.constexpr, LOADER_REGS: gl.constexpr):  # fmt: skip
    pid_m = gl.program_id(0)
    pid_bh = gl.program_id(1)
    b = pid_bh // H
    h = pid_bh % H
    col = h * HEAD_D
    m0 = pid_m * 2 * HALF
    half_bias = 0.5 * bias_of(Bias, stride_bias_b, stride_bias_h, bias_value, b, h, BIAS_TENSOR)
    q_smem = gl.allocate_shared_memory(q_desc.dtype, [2, 1, HALF, HEAD_D], q_desc.layout)
    do_smem = gl.allocate_shared_memory(do_desc.dtype, [2, 1, HALF, HEAD_D], do_desc.layout)
    qdo_bar = gl.allocate_shared_memory(gl.int64, [1], mbarrier.MBarrierLayout())
    mbarrier.init(qdo_bar, count=1)
    k_smem, k_ready, k_empty = _ring(k_desc, BLOCK_N, HEAD_D, STAGES)
    v_smem, v_ready, v_empty = _ring(v_desc, BLOCK_N, HEAD_D, STAGES)
    fence_async_shared()
    n_kv = gl.cdiv(N, BLOCK_N)
    gl.warp_specialize(
        [
            (_dq_consumer, (q_smem, do_smem, k_smem, v_smem, qdo_bar, k_ready, k_empty,
                            v_ready, v_empty, dq_desc, b, m0, col, n_kv, scale, half_scale,
                            half_bias, 0, HALF, BLOCK_N, HEAD_D, STAGES)),
            (_dq_consumer, (q_smem, do_smem, k_smem, v_smem, qdo_bar, k_ready, k_empty,
                            v_ready, v_empty, dq_desc, b, m0, col, n_kv, scale, half_scale,
                            half_bias, 1, HALF, BLOCK_N, HEAD_D, STAGES)),
            (_loader, (q_desc, do_desc, q_smem, do_smem, qdo_bar,
                       k_desc, v_desc, k_smem, v_smem, k_ready, k_empty, v_ready, v_empty,
                       b, m0, col, n_kv, BLOCK_N, HALF, STAGES)),
        ],
        [4, 1],
        [CONSUMER_REGS, LOADER_REGS],
    )  # fmt: skip


def backward(do, q, k, v, seq_lens, bias, slopes, scale: float, causal: bool, log_n: bool, plan):
    """dQ, dK, dV (B, N, H, D) and d bias ((B, H) float32, None without a bias tensor) for
    inputs that dispatch.route sends here; the arguments are those of backward.backward."""
    batch, n, heads, dim = q.shape
    dq, dk, dv = (torch.empty(q.shape, dtype=q.dtype, device=q.device) for _ in range(3))
    dbias = None
    if bias is not None:
        dbias = torch.zeros(batch, heads, dtype=torch.float32, device=q.device)
    bias_args = (
        bias, *((bias.stride(0), bias.stride(1)) if bias is not None else (0, 0)),
        -math.log(n) if log_n else 0.0,
    )  # fmt: skip
    regs = dict(CONSUMER_REGS=CONSUMER_REGS, LOADER_REGS=LOADER_REGS)
    t = HOPPER_DKDV  # each consumer owns t.block_n keys, steps over t.block_m queries
    launcher.launch(
        _dkdv_kernel, (-(-n // (2 * t.block_n)), batch * heads),
        (descriptor(q, t.block_m), descriptor(k, t.block_n), descriptor(v, t.block_n),
         descriptor(do, t.block_m), descriptor(dk, t.block_n), descriptor(dv, t.block_n),
         *bias_args, dbias, n, heads, scale, 0.5 * scale),
        dict(HEAD_D=dim, BLOCK_M=t.block_m, HALF=t.block_n, STAGES=t.num_stages,
             BIAS_TENSOR=bias is not None, NEED_DB=dbias is not None, **regs,
             num_warps=t.num_warps),
    )  # fmt: skip
    t = HOPPER_DQ  # each consumer owns t.block_m queries, steps over t.block_n keys
    launcher.launch(
        _dq_kernel, (-(-n // (2 * t.block_m)), batch * heads),
        (descriptor(q, t.block_m), descriptor(k, t.block_n), descriptor(v, t.block_n),
         descriptor(do, t.block_m), descriptor(dq, t.block_m), *bias_args,
         n, heads, scale, 0.5 * scale),
        dict(HEAD_D=dim, HALF=t.block_m, BLOCK_N=t.block_n, STAGES=t.num_stages,
             BIAS_TENSOR=bias is not None, **regs, num_warps=t.num_warps),
    )  # fmt: skip
    return dq, dk, dv, dbias
