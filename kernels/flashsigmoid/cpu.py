"""Sigmoid attention on the CPU in blocks of query rows: O(N) memory, no N x N tensor.

The eager CPU path of :func:`flashsigmoid.flash_sigmoid_attn` (the Triton kernels need a GPU
or the interpreter). Per sequence b of length L = seq_lens[b] and head h:

    S[i, j] = scale * q_i . k_j + t[i - j]          P = sigmoid(S)        out_i = sum_j P[i, j] v_j

where every position term depends only on the offset d = i - j:

    t[d] = bias[b, h] - slope_h * |d|   (+ -inf where causal and d < 0, so that P = 0 exactly)

(bias="log_n" is -log L; with causal it is -log(i + 1), the keys query i sees, added per row.)

so one vector t of 2L - 1 values per head holds the bias, ALiBi and the causal mask. With the
keys in reverse order (j' = L - 1 - j), i - j = i + j' - (L - 1): the (rows, keys) block of
position terms is t read at i + j', a Hankel matrix, i.e. a strided view of t with unit
strides along both axes. ``baddbmm`` copies that view into the scores and adds the scaled
Q K^T in one pass; ``sigmoid_`` is a second pass in place; ``bmm`` with V reduces the block.
Query rows go in blocks sized so that a (H, rows, L) block stays in cache, and padded
positions are simply not computed: each sequence runs on its first L rows alone, and the
output's padded rows are 0.

Backward (blocked recomputation, the same blocks): with dO the output's gradient,

    dV = P^T dO      dP = dO V^T      dS = dP * P * (1 - P)      dQ = scale dS K      dK = scale dS^T Q

and d bias[b, h] = sum_ij dS[i, j]; masked pairs have P = 0 and so dS = 0. ALiBi slopes get no
gradient, as in the kernels.

Under ``torch.compile`` the exact reference runs instead: it traces as one graph, which
inductor fuses itself.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

from flashsigmoid.reference import log_n_bias, sigmoid_attn_reference

BLOCK_ELEMENTS = 1 << 18
"""Scores per block, (heads x rows x keys): 1 MiB in float32, resident in a core's L2; at
least 32 rows (fewer run the matrix products below their speed)."""


def attention_cpu(
    q: Tensor,
    k: Tensor,
    v: Tensor,
    seq_lens: Tensor | None,
    bias: Tensor | None,
    slopes: Tensor | None,
    scale: float,
    causal: bool,
    log_n: bool,
) -> Tensor:
    """Sigmoid attention, blocked, with the arguments of ``flashsigmoid.op.attention``.

    q, k, v: (B, N, H, D); seq_lens: (B,) ints in [1, N] or None; bias: (B, H) (a broadcast
    view is fine) or None; slopes: (H,) or None; log_n: the bias is -log L (bias is None).
    Computes in float32 (float64 for float64 inputs); returns (B, N, H, D) in q's dtype.
    """
    if torch.compiler.is_compiling():
        return sigmoid_attn_reference(
            q, k, v, seq_lens=seq_lens, bias="log_n" if log_n else bias, alibi_slopes=slopes,
            scale=scale, causal=causal,
        )  # fmt: skip
    args = (q, k, v, seq_lens, bias, slopes, scale, causal, log_n)
    needs_grad = any(t is not None and t.requires_grad for t in (q, k, v, bias))
    if torch.is_grad_enabled() and needs_grad:
        return _BlockedAttention.apply(*args)
    return _forward(*args)


class _BlockedAttention(torch.autograd.Function):
    @staticmethod
    def forward(ctx, q, k, v, seq_lens, bias, slopes, scale, causal, log_n):
        ctx.save_for_backward(q, k, v, seq_lens, bias, slopes)
        ctx.options = (scale, causal, log_n)
        return _forward(q, k, v, seq_lens, bias, slopes, scale, causal, log_n)

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, do):
        q, k, v, seq_lens, bias, slopes = ctx.saved_tensors
        dq, dk, dv, dbias = _backward(do, q, k, v, seq_lens, bias, slopes, *ctx.options)
        return dq, dk, dv, None, dbias, None, None, None, None


class _Sequence:
    """One sequence's operands in the blocked layout: (H, L, D), keys and values reversed."""

    def __init__(self, q, k, v, b, length, bias, slopes, causal, log_n, cdt):
        self.length = length
        self.q = _heads_first(q[b, :length], cdt)
        self.k_rev = _heads_first(k[b, :length], cdt).flip(1)
        self.v_rev = _heads_first(v[b, :length], cdt).flip(1)
        # "log_n" with causal: -log(i + 1), the keys query i sees; a term per row, not per i - j
        row_log_n = causal and log_n
        self.terms = _position_terms(
            q.size(2), length, b, bias, slopes, causal, log_n and not row_log_n, cdt, q.device
        )
        self.row_terms = None
        if row_log_n:
            self.row_terms = -torch.log1p(torch.arange(length, dtype=cdt, device=q.device))

    def keys(self, i1: int, causal: bool) -> slice:
        """The reversed-key columns that rows < i1 see: all L, or j <= i1 - 1 when causal."""
        return slice(self.length - i1 if causal else 0, self.length)

    def scores(self, i0: int, i1: int, cols: slice, scale: float) -> Tensor:
        """S for rows [i0, i1) against the reversed keys ``cols``: (H, rows, keys)."""
        heads, span = self.terms.shape
        # column c = j' - cols.start, so t's index i + j' - (L - 1) + (L - 1) = i + c + cols.start
        terms = self.terms.as_strided(
            (heads, i1 - i0, cols.stop - cols.start),
            (span, 1, 1),
            self.terms.storage_offset() + i0 + cols.start,
        )
        s = torch.baddbmm(terms, self.q[:, i0:i1], self.k_rev[:, cols].transpose(1, 2), alpha=scale)
        return s if self.row_terms is None else s.add_(self.row_terms[i0:i1, None])


def _heads_first(x: Tensor, cdt) -> Tensor:
    """(L, H, D) -> (H, L, D) contiguous in the compute dtype."""
    return x.to(cdt).transpose(0, 1).contiguous()


def _position_terms(heads, length, b, bias, slopes, causal, log_n, cdt, device) -> Tensor:
    """t (H, 2L - 1): t[h, m] is the term for offset d = m - (L - 1) = i - j."""
    offsets = torch.arange(-(length - 1), length, dtype=cdt, device=device)
    terms = torch.zeros(heads, 2 * length - 1, dtype=cdt, device=device)
    if slopes is not None:
        terms -= slopes.to(cdt)[:, None] * offsets.abs()
    if log_n:
        terms += log_n_bias(torch.tensor([length]))[0].to(device, cdt)
    elif bias is not None:
        terms += bias[b].to(cdt)[:, None]
    if causal:
        terms[:, : length - 1] = -math.inf  # d < 0: a key after the query
    return terms


def _compute_dtype(q: Tensor) -> torch.dtype:
    return torch.float64 if q.dtype == torch.float64 else torch.float32


def _lengths(seq_lens: Tensor | None, batch: int, n: int) -> list[int]:
    return [n] * batch if seq_lens is None else [int(x) for x in seq_lens.tolist()]


def _row_blocks(heads: int, length: int):
    rows = max(32, BLOCK_ELEMENTS // (heads * length))
    for i0 in range(0, length, rows):
        yield i0, min(i0 + rows, length)


def _forward(q, k, v, seq_lens, bias, slopes, scale, causal, log_n) -> Tensor:
    batch, n, heads, _ = q.shape
    cdt = _compute_dtype(q)
    out = torch.zeros_like(q)
    for b, length in enumerate(_lengths(seq_lens, batch, n)):
        seq = _Sequence(q, k, v, b, length, bias, slopes, causal, log_n, cdt)
        for i0, i1 in _row_blocks(heads, length):
            cols = seq.keys(i1, causal)
            p = seq.scores(i0, i1, cols, scale).sigmoid_()
            out[b, i0:i1] = torch.bmm(p, seq.v_rev[:, cols]).transpose(0, 1)
    return out


def _backward(do, q, k, v, seq_lens, bias, slopes, scale, causal, log_n):
    batch, n, heads, _ = q.shape
    cdt = _compute_dtype(q)
    dq, dk, dv = (torch.zeros_like(q) for _ in range(3))
    dbias = (
        torch.zeros(batch, heads, dtype=bias.dtype, device=q.device) if bias is not None else None
    )
    for b, length in enumerate(_lengths(seq_lens, batch, n)):
        seq = _Sequence(q, k, v, b, length, bias, slopes, causal, log_n, cdt)
        do_b = do[b, :length].transpose(0, 1).to(cdt).contiguous()
        dk_rev, dv_rev = torch.zeros_like(seq.k_rev), torch.zeros_like(seq.v_rev)
        for i0, i1 in _row_blocks(heads, length):
            cols = seq.keys(i1, causal)
            p = seq.scores(i0, i1, cols, scale).sigmoid_()
            dv_rev[:, cols] += torch.bmm(p.transpose(1, 2), do_b[:, i0:i1])
            ds = torch.bmm(do_b[:, i0:i1], seq.v_rev[:, cols].transpose(1, 2))
            ds.mul_(p).mul_(p.neg_().add_(1))  # dP * P * (1 - P)
            if dbias is not None:
                dbias[b] += ds.sum((1, 2)).to(dbias.dtype)
            dq[b, i0:i1] = (torch.bmm(ds, seq.k_rev[:, cols]) * scale).transpose(0, 1)
            dk_rev[:, cols] += torch.bmm(ds.transpose(1, 2), seq.q[:, i0:i1])
        dk[b, :length] = (dk_rev * scale).flip(1).transpose(0, 1)
        dv[b, :length] = dv_rev.flip(1).transpose(0, 1)
    return dq, dk, dv, dbias
