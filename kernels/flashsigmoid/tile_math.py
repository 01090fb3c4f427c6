"""The math on one tile that the Triton forward and backward kernels share.

For one (batch, head) the attention probabilities of a tile are

    P[i, j] = sigmoid(q_i . k_j * scale + bias - slope * |i - j|)   if j < L, i < L (and j <= i)
            = 0                                                        otherwise

where L is the sequence's valid length and bias is either given per (batch, head) or the
paper's b = -log L, computed from L in the kernel. Unlike softmax, no row statistics are
needed, so any tile of P can be recomputed from its Q and K tiles alone.
"""

import triton
import triton.language as tl


@triton.jit
def sigmoid(x, FAST: tl.constexpr):
    """sigmoid(x) = 0.5 * tanh(0.5 x) + 0.5: one MUFU op (tanh.approx.f32) when FAST."""
    if FAST:
        t = tl.inline_asm_elementwise(
            "tanh.approx.f32 $0, $1;", "=r,r", [0.5 * x], dtype=tl.float32, is_pure=True, pack=1
        )
        return 0.5 * t + 0.5
    else:
        return 1.0 / (1.0 + tl.exp(-x))


def sequence_args(seq_lens, bias, slopes, log_n: bool):
    """The host side of ``sequence_terms``: the bias strides and its constexpr flags."""
    bias_kind = "log_n" if log_n else "none" if bias is None else "tensor"
    flags = dict(HAS_SEQ_LENS=seq_lens is not None, BIAS=bias_kind, HAS_ALIBI=slopes is not None)
    return (bias.stride() if bias is not None else (0, 0)), flags


@triton.jit
def sequence_terms(
    SeqLens, Bias, Slopes, pid_bh, H, stride_bias_b, stride_bias_h, N,
    HAS_SEQ_LENS: tl.constexpr, BIAS: tl.constexpr, HAS_ALIBI: tl.constexpr,
):  # fmt: skip
    """Batch b and head h of the program pair pid_bh = b·H + h, with their valid length L,
    logit bias and ALiBi slope.

    L = SeqLens[b] (int32 or int64), or N without SeqLens. BIAS is "none" (0), "tensor"
    (Bias[b, h] read through its strides, so a broadcast (B, 1) or (H,) bias is not copied)
    or "log_n" (-log L, nothing to read).
    """
    b = pid_bh // H
    h = pid_bh % H
    if HAS_SEQ_LENS:
        seq_len = tl.load(SeqLens + b).to(tl.int32)
    else:
        seq_len = N
    if BIAS == "tensor":
        bias = tl.load(Bias + b * stride_bias_b + h * stride_bias_h)
    elif BIAS == "log_n":
        bias = -tl.log(seq_len.to(tl.float32))
    else:
        bias = 0.0
    slope = tl.load(Slopes + h) if HAS_ALIBI else 0.0
    return b, h, seq_len, bias, slope


@triton.jit
def probs_tile(
    a,
    b,
    offs_a,
    offs_b,
    seq_len,
    bias,
    slope,
    scale,
    A_IS_QUERY: tl.constexpr,
    CAUSAL: tl.constexpr,
    HAS_ALIBI: tl.constexpr,
    MASKED: tl.constexpr,
    FAST: tl.constexpr,
    PRECISION: tl.constexpr,
):
    """sigmoid(a b^T scale + bias - slope |offs_a - offs_b|) with masked pairs set to 0.

    a: (BA, D) rows at positions offs_a; b: (BB, D) rows at offs_b; returns (BA, BB) fp32.
    A_IS_QUERY says which side holds the queries (for the causal mask). MASKED=False skips
    the length and causal masks: for tiles wholly inside the valid (causal) region, and
    without causality for every tile, whose rows past L hold zeros (the callers' terms from
    them vanish or are zeroed before the store).
    """
    s = tl.dot(a, tl.trans(b), input_precision=PRECISION) * scale + bias
    if HAS_ALIBI:
        dist = tl.abs(offs_a[:, None] - offs_b[None, :]).to(tl.float32)
        s -= slope * dist
    p = sigmoid(s, FAST)
    if MASKED:
        keep = (offs_a[:, None] < seq_len) & (offs_b[None, :] < seq_len)
        if CAUSAL:
            if A_IS_QUERY:
                keep = keep & (offs_b[None, :] <= offs_a[:, None])
            else:
                keep = keep & (offs_a[:, None] <= offs_b[None, :])
        p = tl.where(keep, p, 0.0)
    return p


@triton.jit
def load_rows(ptr, offs, stride_n, offs_d, seq_len, HEAD_DIM: tl.constexpr, D_PAD: tl.constexpr):
    """Rows offs of a (N, D) slice with row stride stride_n; rows >= seq_len read as 0."""
    mask = offs[:, None] < seq_len
    if HEAD_DIM != D_PAD:
        mask = mask & (offs_d[None, :] < HEAD_DIM)
    return tl.load(ptr + offs[:, None] * stride_n + offs_d[None, :], mask=mask, other=0.0)


@triton.jit
def row_source(ptr, stride_n, seq_len, BLOCK: tl.constexpr, HEAD_DIM: tl.constexpr,
               D_PAD: tl.constexpr, TMA: tl.constexpr):  # fmt: skip
    """What an unmasked loop over tiles of a (L, D) slice reads its (BLOCK, D_PAD) tiles from
    (the backward's; the forward takes descriptors built on the host).

    With TMA, a tensor descriptor of the slice: the copy engine moves each tile into shared
    memory (rows >= L and columns >= D read as 0), no per-element address arithmetic or
    masks. Else ptr.
    """
    if TMA:
        return tl.make_tensor_descriptor(ptr, [seq_len, HEAD_DIM], [stride_n, 1], [BLOCK, D_PAD])
    else:
        return ptr


@triton.jit
def load_tile(src, start, offs, stride_n, offs_d, seq_len, HEAD_DIM: tl.constexpr,
              D_PAD: tl.constexpr, TMA: tl.constexpr):  # fmt: skip
    """Rows offs = start + arange(BLOCK) of a row_source (a descriptor with TMA)."""
    if TMA:
        return src.load([start, 0])
    else:
        return load_rows(src, offs, stride_n, offs_d, seq_len, HEAD_DIM, D_PAD)


@triton.jit
def store_rows(ptr, x, offs, stride_n, offs_d, n, HEAD_DIM: tl.constexpr, D_PAD: tl.constexpr):
    """Stores (BLOCK, D_PAD) x into rows offs < n of a (N, D) slice."""
    mask = offs[:, None] < n
    if HEAD_DIM != D_PAD:
        mask = mask & (offs_d[None, :] < HEAD_DIM)
    tl.store(ptr + offs[:, None] * stride_n + offs_d[None, :], x, mask=mask)
