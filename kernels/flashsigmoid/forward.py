"""FlashSigmoid forward kernel: O = sigmoid(Q K^T scale + b - slope |i - j|) V, tile by tile.

One program computes a BLOCK_M x D tile of O for one (batch, head). It streams K and V tiles
up to the sequence's valid length L only, so padded key tiles cost nothing, and query tiles
past L just write zeros. Rows past L read as zeros, so only causal tiles on the diagonal
need masks (see _forward_kernel).

TMA configs read K and V tiles through tensor descriptors built on the host, one per
(B, N, H, D) tensor (the copy engine moves a (1, BLOCK_N, 1, D_PAD) box into shared memory);
unlike descriptors made in the kernel they cost the program nothing to set up, which
matters where programs are short. A descriptor bounds rows at N, not L, so for padded
sequences the key tile across L is masked too.
"""

import torch
import triton
import triton.language as tl
from triton.tools.tensor_descriptor import TensorDescriptor

from flashsigmoid import launcher
from flashsigmoid.tile_math import load_rows, probs_tile, sequence_args, sequence_terms, store_rows
from flashsigmoid.tiles import FORWARD_CANDIDATES
from flashsigmoid.tuning import autotuner, launch_tiled, tile_for


@triton.jit
def _kv_tile(ptr, desc, b, h, start, offs, stride_n, offs_d, seq_len,
             BLOCK: tl.constexpr, HEAD_DIM: tl.constexpr, D_PAD: tl.constexpr,
             TMA: tl.constexpr):  # fmt: skip
    """Key or value rows offs = start + arange(BLOCK) of (batch b, head h): (BLOCK, D_PAD).

    Through the host descriptor desc with TMA (rows >= N and columns >= D read as 0; rows in
    [L, N) as stored), else masked loads from ptr, which points at (b, h) (rows >= L read 0).
    """
    if TMA:
        return desc.load([b, start, h, 0]).reshape(BLOCK, D_PAD)
    else:
        return load_rows(ptr, offs, stride_n, offs_d, seq_len, HEAD_DIM, D_PAD)


@triton.jit
def _accumulate(
    acc,
    q,
    K,
    V,
    KDesc,
    VDesc,
    b,
    h,
    offs_m,
    lo,
    hi,
    stride_kn,
    stride_vn,
    seq_len,
    bias,
    slope,
    scale,
    HEAD_DIM: tl.constexpr,
    D_PAD: tl.constexpr,
    BLOCK_N: tl.constexpr,
    CAUSAL: tl.constexpr,
    HAS_ALIBI: tl.constexpr,
    MASKED: tl.constexpr,
    FAST: tl.constexpr,
    PRECISION: tl.constexpr,
    TMA: tl.constexpr,
):
    """acc += P[offs_m, lo:hi] V[lo:hi] for key tiles starting at lo, lo + BLOCK_N, ...

    K and V point at (b, h); KDesc and VDesc are the whole tensors' descriptors (TMA only).
    """
    offs_d = tl.arange(0, D_PAD)
    for start_n in range(lo, hi, BLOCK_N):
        offs_n = start_n + tl.arange(0, BLOCK_N)
        k = _kv_tile(
            K, KDesc, b, h, start_n, offs_n, stride_kn, offs_d, seq_len,
            BLOCK_N, HEAD_DIM, D_PAD, TMA,
        )  # fmt: skip
        p = probs_tile(
            q, k, offs_m, offs_n, seq_len, bias, slope, scale,
            True, CAUSAL, HAS_ALIBI, MASKED, FAST, PRECISION,
        )  # fmt: skip
        v = _kv_tile(
            V, VDesc, b, h, start_n, offs_n, stride_vn, offs_d, seq_len,
            BLOCK_N, HEAD_DIM, D_PAD, TMA,
        )  # fmt: skip
        acc = tl.dot(p.to(v.dtype), v, acc, input_precision=PRECISION)
    return acc


@triton.jit(do_not_specialize=["N"])  # N may be 1: keep it a runtime value (sequence_terms)
def _forward_kernel(
    Q, K, V, Out, SeqLens, Bias, Slopes,
    KDesc, VDesc,  # host descriptors of K and V where TMA_MODE allows them, else None
    stride_qb, stride_qn, stride_qh,
    stride_kb, stride_kn, stride_kh,
    stride_vb, stride_vn, stride_vh,
    stride_ob, stride_on, stride_oh,
    stride_bias_b, stride_bias_h,
    N, H, scale,
    N_BUCKET,  # bucketed N: the autotuning key, so new lengths do not re-tune
    HEAD_DIM: tl.constexpr,
    D_PAD: tl.constexpr,
    BLOCK_M: tl.constexpr,
    BLOCK_N: tl.constexpr,
    CAUSAL: tl.constexpr,
    HAS_SEQ_LENS: tl.constexpr,
    BIAS: tl.constexpr,  # "none", "tensor" or "log_n"
    HAS_ALIBI: tl.constexpr,
    FAST: tl.constexpr,
    PRECISION: tl.constexpr,
    TMA_MODE: tl.constexpr,  # "off", "auto" or "on": which tiles may run (dispatch.Plan.tma)
    TMA: tl.constexpr,  # the config's choice: key and value tiles through KDesc and VDesc
):  # fmt: skip
    pid_m = tl.program_id(0)
    pid_bh = tl.program_id(1)
    b, h, seq_len, bias, slope = sequence_terms(
        SeqLens, Bias, Slopes, pid_bh, H, stride_bias_b, stride_bias_h, N,
        HAS_SEQ_LENS, BIAS, HAS_ALIBI,
    )  # fmt: skip

    start_m = pid_m * BLOCK_M
    offs_m = start_m + tl.arange(0, BLOCK_M)
    offs_d = tl.arange(0, D_PAD)
    Q += b * stride_qb + h * stride_qh
    K += b * stride_kb + h * stride_kh
    V += b * stride_vb + h * stride_vh
    q = load_rows(Q, offs_m, stride_qn, offs_d, seq_len, HEAD_DIM, D_PAD)
    if CAUSAL and BIAS == "log_n":  # query i sees i + 1 keys: b_i = -log(i + 1)
        bias = -tl.log((offs_m + 1).to(tl.float32))[:, None]

    # Key tiles [0, full) need no mask, [full, hi) do. Causal: the tiles straddling the
    # diagonal. Else every tile up to L goes unmasked where key rows past L read as zeros
    # (masked loads; descriptors when L = N), so their P V terms are exactly 0; with
    # descriptors and seq_lens, rows in [L, N) hold data: the tile across L is masked.
    if CAUSAL:
        hi = tl.minimum(seq_len, start_m + BLOCK_M)
        full = (start_m // BLOCK_N) * BLOCK_N
    else:
        hi = tl.cdiv(seq_len, BLOCK_N) * BLOCK_N
        full = (seq_len // BLOCK_N) * BLOCK_N if TMA and HAS_SEQ_LENS else hi
    if start_m >= seq_len:  # a query tile of padding: no keys, zero output
        hi = 0
        full = 0

    acc = tl.zeros([BLOCK_M, D_PAD], dtype=tl.float32)
    acc = _accumulate(
        acc, q, K, V, KDesc, VDesc, b, h, offs_m, 0, full, stride_kn, stride_vn, seq_len,
        bias, slope, scale, HEAD_DIM, D_PAD, BLOCK_N, CAUSAL, HAS_ALIBI, False, FAST, PRECISION,
        TMA,
    )  # fmt: skip
    if CAUSAL or (TMA and HAS_SEQ_LENS):
        acc = _accumulate(
            acc, q, K, V, KDesc, VDesc, b, h, offs_m, full, hi, stride_kn, stride_vn, seq_len,
            bias, slope, scale, HEAD_DIM, D_PAD, BLOCK_N, CAUSAL, HAS_ALIBI, True, FAST,
            PRECISION, False,
        )  # fmt: skip
    acc = tl.where(offs_m[:, None] < seq_len, acc, 0.0)  # padded query rows are exactly 0
    Out += b * stride_ob + h * stride_oh
    store_rows(Out, acc.to(Out.dtype.element_ty), offs_m, stride_on, offs_d, N, HEAD_DIM, D_PAD)


def _fit_boxes(nargs: dict) -> None:
    """Config hook: the descriptors' boxes take the config's key tile, (1, BLOCK_N, 1, D_PAD)."""
    for name in ("KDesc", "VDesc"):
        if nargs[name] is not None:
            nargs[name].block_shape = [1, nargs["BLOCK_N"], 1, nargs["D_PAD"]]


def autotuned(tiles):
    """The forward kernel under Triton's autotuner, over tiles."""
    return autotuner(_forward_kernel, tiles, config_hook=_fit_boxes)


_forward_tuned = autotuned(FORWARD_CANDIDATES)


def forward(q, k, v, seq_lens, bias, slopes, scale, causal, log_n, plan):
    """Launches the forward kernel. q, k, v: (B, N, H, D) with unit stride in D; returns O.

    seq_lens (B,), bias (B, H) (any strides) and slopes (H,) may each be None; log_n says
    that the bias is -log L, computed in the kernel (bias is then None). plan: the call's
    ``dispatch.Plan``.
    """
    batch, n, heads, dim = q.shape
    out = torch.empty(q.shape, dtype=q.dtype, device=q.device)
    bias_strides, flags = sequence_args(seq_lens, bias, slopes, log_n)
    meta = dict(
        HEAD_DIM=dim, D_PAD=plan.d_pad, CAUSAL=causal, **flags,
        FAST=plan.fast, PRECISION=plan.precision, TMA_MODE=plan.tma,
    )  # fmt: skip
    # Descriptors only for tiles that read through them (every candidate while autotuning,
    # which fits their boxes to each candidate's tiles: _fit_boxes).
    tile = tile_for(_forward_kernel, plan.forward_tiles, meta, plan, q.dtype)
    reads_tma = plan.tma != "off" and (tile is None or tile.tma)
    box = [1, 16 if tile is None else tile.block_n, 1, plan.d_pad]
    descs = [
        launcher.descriptor(TensorDescriptor, t, list(t.shape), list(t.stride()), box)
        if reads_tma else None
        for t in (k, v)
    ]  # fmt: skip
    args = (
        q, k, v, out, seq_lens, bias, slopes, *descs,
        *q.stride()[:3], *k.stride()[:3], *v.stride()[:3], *out.stride()[:3], *bias_strides,
        n, heads, scale, plan.n_bucket,
    )  # fmt: skip
    grid = lambda m: (-(-n // m["BLOCK_M"]), batch * heads)  # noqa: E731
    launch_tiled(_forward_kernel, _forward_tuned, tile, grid, args, meta, plan, q.dtype)
    return out
