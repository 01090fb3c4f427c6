"""FlashSigmoid backward kernels.

With P = sigmoid(S), S = Q K^T scale + b - slope |i - j|, and dO given:

    dV = P^T dO         dP = dO V^T         dS = dP * P * (1 - P)
    dQ = dS K scale     dK = dS^T Q scale   db = sum_ij dS

P is recomputed from Q and K tile by tile: sigmoid needs no logsumexp from the forward pass
and no rowsum(dO * O) pre-pass. One launch runs two kinds of program side by side: one owns
a key tile and accumulates dK, dV and db over query tiles, the other owns a query tile and
accumulates dQ over key tiles. Neither needs atomics for Q, K or V gradients; db is summed
with one atomic add per program. As in the forward, rows past the valid length read as
zeros, so only causal tiles on the diagonal need masks.
"""

import torch
import triton
import triton.language as tl

from flashsigmoid.tile_math import (
    load_rows,
    load_tile,
    probs_tile,
    row_source,
    sequence_args,
    sequence_terms,
    store_rows,
)
from flashsigmoid.tiles import BACKWARD_CANDIDATES
from flashsigmoid.tuning import autotuner, launch_tiled, tile_for


@triton.jit
def _dkdv_step(
    dk, dv, db, k, v, Q, dO, offs_n, lo, hi, stride_qn, stride_don,
    seq_len, bias, slope, scale,
    HEAD_DIM: tl.constexpr, D_PAD: tl.constexpr, BLOCK_M: tl.constexpr,
    CAUSAL: tl.constexpr, HAS_ALIBI: tl.constexpr, MASKED: tl.constexpr,
    FAST: tl.constexpr, PRECISION: tl.constexpr, TMA: tl.constexpr, NEED_DB: tl.constexpr,
    LOG_N: tl.constexpr,
):  # fmt: skip
    """Accumulates dK, dV (BLOCK_N, D) and (if NEED_DB) db over query tiles lo, lo + BLOCK_M,
    ... < hi.

    Q and dO are row sources (tiles.row_source): descriptors with TMA.
    """
    offs_d = tl.arange(0, D_PAD)
    for start_m in range(lo, hi, BLOCK_M):
        offs_m = start_m + tl.arange(0, BLOCK_M)
        q = load_tile(Q, start_m, offs_m, stride_qn, offs_d, seq_len, HEAD_DIM, D_PAD, TMA)
        do = load_tile(dO, start_m, offs_m, stride_don, offs_d, seq_len, HEAD_DIM, D_PAD, TMA)
        if CAUSAL and LOG_N:  # query i sees i + 1 keys: b_i = -log(i + 1)
            step_bias = -tl.log((offs_m + 1).to(tl.float32))[None, :]
        else:
            step_bias = bias
        # P^T: (BLOCK_N, BLOCK_M)
        p_t = probs_tile(
            k, q, offs_n, offs_m, seq_len, step_bias, slope, scale,
            False, CAUSAL, HAS_ALIBI, MASKED, FAST, PRECISION,
        )  # fmt: skip
        dv = tl.dot(p_t.to(do.dtype), do, dv, input_precision=PRECISION)
        dp_t = tl.dot(v, tl.trans(do), input_precision=PRECISION)
        ds_t = dp_t * p_t * (1.0 - p_t)
        if NEED_DB:
            db += tl.sum(tl.sum(ds_t, axis=1), axis=0)
        dk = tl.dot(ds_t.to(q.dtype), q, dk, input_precision=PRECISION)
    return dk, dv, db


@triton.jit
def _dkdv_tile(
    start_n, Q, K, V, dO, dK, dV, dBias, pid_bh, stride_qn, stride_kn, stride_vn, stride_don, stride_gn,
    N, seq_len, bias, slope, scale,
    HEAD_DIM: tl.constexpr, D_PAD: tl.constexpr, BLOCK_M: tl.constexpr, BLOCK_N: tl.constexpr,
    CAUSAL: tl.constexpr, BIAS: tl.constexpr, HAS_ALIBI: tl.constexpr,
    FAST: tl.constexpr, PRECISION: tl.constexpr, TMA: tl.constexpr,
):  # fmt: skip
    """dK, dV for keys start_n, ..., start_n + BLOCK_N - 1 of one (batch, head), and their
    share of d bias (dBias[pid_bh]). Q, K, V, dO, dK, dV already point at that (batch, head)."""
    offs_n = start_n + tl.arange(0, BLOCK_N)
    offs_d = tl.arange(0, D_PAD)
    k = load_rows(K, offs_n, stride_kn, offs_d, seq_len, HEAD_DIM, D_PAD)
    v = load_rows(V, offs_n, stride_vn, offs_d, seq_len, HEAD_DIM, D_PAD)

    # Causal query tiles: [lo, mid) straddle the diagonal, [mid, full) are wholly valid and
    # need no mask (only when this key tile is wholly valid), [full, L) hold the tail.
    # Without causality every tile up to L goes unmasked: rows past L (queries, and keys of
    # this tile) read as zeros, so their dS is exactly 0; their dV is zeroed before the store.
    if CAUSAL:
        lo = (start_n // BLOCK_M) * BLOCK_M
        mid = tl.cdiv(start_n + BLOCK_N, BLOCK_M) * BLOCK_M
        full = mid
        if start_n + BLOCK_N <= seq_len:
            full = tl.maximum(mid, (seq_len // BLOCK_M) * BLOCK_M)
        hi = seq_len
    else:
        lo = 0
        mid = 0
        full = tl.cdiv(seq_len, BLOCK_M) * BLOCK_M
        hi = full
    if start_n >= seq_len:  # a key tile of padding: zero gradients
        lo = 0
        mid = 0
        full = 0
        hi = 0

    dk = tl.zeros([BLOCK_N, D_PAD], dtype=tl.float32)
    dv = tl.zeros([BLOCK_N, D_PAD], dtype=tl.float32)
    db = tl.zeros([1], dtype=tl.float32)
    if CAUSAL:
        dk, dv, db = _dkdv_step(
            dk, dv, db, k, v, Q, dO, offs_n, lo, mid, stride_qn, stride_don,
            seq_len, bias, slope, scale,
            HEAD_DIM, D_PAD, BLOCK_M, CAUSAL, HAS_ALIBI, True, FAST, PRECISION, False,
            BIAS == "tensor", BIAS == "log_n",
        )  # fmt: skip
    q_src = row_source(Q, stride_qn, seq_len, BLOCK_M, HEAD_DIM, D_PAD, TMA)
    do_src = row_source(dO, stride_don, seq_len, BLOCK_M, HEAD_DIM, D_PAD, TMA)
    dk, dv, db = _dkdv_step(
        dk, dv, db, k, v, q_src, do_src, offs_n, mid, full, stride_qn, stride_don,
        seq_len, bias, slope, scale,
        HEAD_DIM, D_PAD, BLOCK_M, CAUSAL, HAS_ALIBI, False, FAST, PRECISION, TMA,
        BIAS == "tensor", BIAS == "log_n",
    )  # fmt: skip
    if CAUSAL:
        dk, dv, db = _dkdv_step(
            dk, dv, db, k, v, Q, dO, offs_n, tl.maximum(full, mid), hi, stride_qn, stride_don,
            seq_len, bias, slope, scale,
            HEAD_DIM, D_PAD, BLOCK_M, CAUSAL, HAS_ALIBI, True, FAST, PRECISION, False,
            BIAS == "tensor", BIAS == "log_n",
        )  # fmt: skip
    valid = offs_n[:, None] < seq_len  # padded keys get exactly zero gradients
    dk = tl.where(valid, dk * scale, 0.0)
    dv = tl.where(valid, dv, 0.0)
    store_rows(dK, dk.to(dK.dtype.element_ty), offs_n, stride_gn, offs_d, N, HEAD_DIM, D_PAD)
    store_rows(dV, dv.to(dV.dtype.element_ty), offs_n, stride_gn, offs_d, N, HEAD_DIM, D_PAD)
    if BIAS == "tensor":  # dBias: (B, H) contiguous
        tl.atomic_add(dBias + pid_bh + tl.arange(0, 1), db)


@triton.jit
def _dq_step(
    dq, q, do, K, V, offs_m, lo, hi, stride_kn, stride_vn,
    seq_len, bias, slope, scale,
    HEAD_DIM: tl.constexpr, D_PAD: tl.constexpr, BLOCK_N: tl.constexpr,
    CAUSAL: tl.constexpr, HAS_ALIBI: tl.constexpr, MASKED: tl.constexpr,
    FAST: tl.constexpr, PRECISION: tl.constexpr, TMA: tl.constexpr,
):  # fmt: skip
    """Accumulates dQ (BLOCK_M, D) over key tiles lo, lo + BLOCK_N, ... < hi.

    K and V are row sources (tiles.row_source): descriptors with TMA.
    """
    offs_d = tl.arange(0, D_PAD)
    for start_n in range(lo, hi, BLOCK_N):
        offs_n = start_n + tl.arange(0, BLOCK_N)
        k = load_tile(K, start_n, offs_n, stride_kn, offs_d, seq_len, HEAD_DIM, D_PAD, TMA)
        v = load_tile(V, start_n, offs_n, stride_vn, offs_d, seq_len, HEAD_DIM, D_PAD, TMA)
        p = probs_tile(
            q, k, offs_m, offs_n, seq_len, bias, slope, scale,
            True, CAUSAL, HAS_ALIBI, MASKED, FAST, PRECISION,
        )  # fmt: skip
        dp = tl.dot(do, tl.trans(v), input_precision=PRECISION)
        ds = dp * p * (1.0 - p)
        dq = tl.dot(ds.to(k.dtype), k, dq, input_precision=PRECISION)
    return dq


@triton.jit
def _dq_tile(
    start_m, Q, K, V, dO, dQ, stride_qn, stride_kn, stride_vn, stride_don, stride_gn,
    N, seq_len, bias, slope, scale,
    HEAD_DIM: tl.constexpr, D_PAD: tl.constexpr, BLOCK_M: tl.constexpr, BLOCK_N: tl.constexpr,
    CAUSAL: tl.constexpr, HAS_ALIBI: tl.constexpr, FAST: tl.constexpr, PRECISION: tl.constexpr,
    TMA: tl.constexpr, LOG_N: tl.constexpr,
):  # fmt: skip
    """dQ for queries start_m, ..., start_m + BLOCK_M - 1 of one (batch, head)."""
    offs_m = start_m + tl.arange(0, BLOCK_M)
    offs_d = tl.arange(0, D_PAD)
    q = load_rows(Q, offs_m, stride_qn, offs_d, seq_len, HEAD_DIM, D_PAD)
    do = load_rows(dO, offs_m, stride_don, offs_d, seq_len, HEAD_DIM, D_PAD)
    if CAUSAL and LOG_N:  # as in the forward: query i sees i + 1 keys, b_i = -log(i + 1)
        bias = -tl.log((offs_m + 1).to(tl.float32))[:, None]

    # As in the forward: without causality every key tile up to L goes unmasked (key rows
    # past L read as zeros, so their dP, and dS, are exactly 0).
    if CAUSAL:
        hi = tl.minimum(seq_len, start_m + BLOCK_M)
        full = (start_m // BLOCK_N) * BLOCK_N
    else:
        full = tl.cdiv(seq_len, BLOCK_N) * BLOCK_N
        hi = full
    if start_m >= seq_len:
        hi = 0
        full = 0

    dq = tl.zeros([BLOCK_M, D_PAD], dtype=tl.float32)
    k_src = row_source(K, stride_kn, seq_len, BLOCK_N, HEAD_DIM, D_PAD, TMA)
    v_src = row_source(V, stride_vn, seq_len, BLOCK_N, HEAD_DIM, D_PAD, TMA)
    dq = _dq_step(
        dq, q, do, k_src, v_src, offs_m, 0, full, stride_kn, stride_vn, seq_len, bias, slope,
        scale, HEAD_DIM, D_PAD, BLOCK_N, CAUSAL, HAS_ALIBI, False, FAST, PRECISION, TMA,
    )  # fmt: skip
    if CAUSAL:
        dq = _dq_step(
            dq, q, do, K, V, offs_m, full, hi, stride_kn, stride_vn, seq_len, bias, slope,
            scale, HEAD_DIM, D_PAD, BLOCK_N, CAUSAL, HAS_ALIBI, True, FAST, PRECISION, False,
        )  # fmt: skip
    dq = tl.where(offs_m[:, None] < seq_len, dq * scale, 0.0)
    store_rows(dQ, dq.to(dQ.dtype.element_ty), offs_m, stride_gn, offs_d, N, HEAD_DIM, D_PAD)


@triton.jit(do_not_specialize=["N"])  # as in the forward kernel
def _backward_kernel(
    Q, K, V, dO, dQ, dK, dV, dBias, SeqLens, Bias, Slopes,
    stride_qb, stride_qn, stride_qh,
    stride_kb, stride_kn, stride_kh,
    stride_vb, stride_vn, stride_vh,
    stride_dob, stride_don, stride_doh,
    stride_gb, stride_gn, stride_gh,  # dQ, dK and dV share one layout
    stride_bias_b, stride_bias_h,
    N, H, scale, N_BUCKET,
    HEAD_DIM: tl.constexpr, D_PAD: tl.constexpr,
    BLOCK_M: tl.constexpr, BLOCK_N: tl.constexpr, CAUSAL: tl.constexpr,
    HAS_SEQ_LENS: tl.constexpr, BIAS: tl.constexpr, HAS_ALIBI: tl.constexpr,
    FAST: tl.constexpr, PRECISION: tl.constexpr,
    TMA_MODE: tl.constexpr,  # as in the forward kernel
    TMA: tl.constexpr,
):  # fmt: skip
    """Grid (2 cdiv(N, BLOCK_N), B * H). Every program owns BLOCK_N rows and steps over the
    other side BLOCK_M rows at a time: the first cdiv(N, BLOCK_N) programs of a (batch, head)
    own keys (dK, dV), the rest own queries (dQ)."""
    pid = tl.program_id(0)
    pid_bh = tl.program_id(1)
    b, h, seq_len, bias, slope = sequence_terms(
        SeqLens, Bias, Slopes, pid_bh, H, stride_bias_b, stride_bias_h, N,
        HAS_SEQ_LENS, BIAS, HAS_ALIBI,
    )  # fmt: skip
    Q += b * stride_qb + h * stride_qh
    K += b * stride_kb + h * stride_kh
    V += b * stride_vb + h * stride_vh
    dO += b * stride_dob + h * stride_doh
    grads = b * stride_gb + h * stride_gh
    tiles = tl.cdiv(N, BLOCK_N)
    if pid < tiles:
        _dkdv_tile(
            pid * BLOCK_N, Q, K, V, dO, dK + grads, dV + grads, dBias, pid_bh,
            stride_qn, stride_kn, stride_vn, stride_don, stride_gn,
            N, seq_len, bias, slope, scale,
            HEAD_DIM, D_PAD, BLOCK_M, BLOCK_N, CAUSAL, BIAS, HAS_ALIBI, FAST, PRECISION, TMA,
        )  # fmt: skip
    else:
        _dq_tile(  # BLOCK_N queries, key steps of BLOCK_M
            (pid - tiles) * BLOCK_N, Q, K, V, dO, dQ + grads,
            stride_qn, stride_kn, stride_vn, stride_don, stride_gn,
            N, seq_len, bias, slope, scale,
            HEAD_DIM, D_PAD, BLOCK_N, BLOCK_M, CAUSAL, HAS_ALIBI, FAST, PRECISION, TMA,
            BIAS == "log_n",
        )  # fmt: skip


def _zero_dbias(nargs, reset_only=False):
    """Autotuning runs the kernel once per config: each run adds into a zeroed dBias."""
    if nargs["dBias"] is not None:
        nargs["dBias"].zero_()


def autotuned(tiles):
    """The backward kernel under Triton's autotuner, over tiles."""
    return autotuner(_backward_kernel, tiles, pre_hook=_zero_dbias)


_backward_tuned = autotuned(BACKWARD_CANDIDATES)


def backward(do, q, k, v, seq_lens, bias, slopes, scale, causal, log_n, plan):
    """dQ, dK, dV (B, N, H, D) and d bias ((B, H) float32, None without a bias tensor).

    The arguments are the forward's (forward.forward) and dO, with unit stride in D.
    """
    batch, n, heads, dim = q.shape
    dq, dk, dv = (torch.empty(q.shape, dtype=q.dtype, device=q.device) for _ in range(3))
    dbias = None
    if bias is not None:
        dbias = torch.zeros(batch, heads, dtype=torch.float32, device=q.device)
    bias_strides, flags = sequence_args(seq_lens, bias, slopes, log_n)
    args = (
        q, k, v, do, dq, dk, dv, dbias, seq_lens, bias, slopes,
        *q.stride()[:3], *k.stride()[:3], *v.stride()[:3], *do.stride()[:3], *dq.stride()[:3],
        *bias_strides, n, heads, scale, plan.n_bucket,
    )  # fmt: skip
    meta = dict(
        HEAD_DIM=dim, D_PAD=plan.d_pad, CAUSAL=causal, **flags,
        FAST=plan.fast, PRECISION=plan.precision, TMA_MODE=plan.tma,
    )  # fmt: skip
    grid = lambda m: (2 * -(-n // m["BLOCK_N"]), batch * heads)  # noqa: E731
    tile = tile_for(_backward_kernel, plan.backward_tiles, meta, plan, q.dtype)
    launch_tiled(_backward_kernel, _backward_tuned, tile, grid, args, meta, plan, q.dtype)
    return dq, dk, dv, dbias
