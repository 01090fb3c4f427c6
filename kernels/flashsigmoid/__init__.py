"""FlashSigmoid: sigmoid self-attention, ``out = sigmoid(Q K^T scale + b + pos) V``.

One public function, :func:`flash_sigmoid_attn`, whose layout and semantics are documented
there once. Helpers: :func:`log_n_bias` (the b = -log n bias of Ramapuram et al., 2025) and
:func:`alibi_slopes`.
"""

from __future__ import annotations

import functools
import math

import torch
from torch import Tensor

from flashsigmoid.cpu import attention_cpu
from flashsigmoid.dispatch import uses_kernels
from flashsigmoid.reference import bias_to_bh, log_n_bias, sigmoid_attn_reference
from flashsigmoid.rope import apply_rope

__all__ = [
    "flash_sigmoid_attn",
    "apply_rope",
    "log_n_bias",
    "alibi_slopes",
    "sigmoid_attn_reference",
]


def alibi_slopes(num_heads: int) -> Tensor:
    """ALiBi's geometric slopes (Press et al., 2022) for ``num_heads`` heads: (H,) float32.

    For a power of two H the slopes are 2^(-8 h / H), h = 1..H; other H interleave the
    slopes of the next power of two, as in the ALiBi paper.
    """

    def powers(n: int) -> list[float]:
        start = 2 ** (-8 / n)
        return [start ** (i + 1) for i in range(n)]

    closest = 2 ** math.floor(math.log2(num_heads))
    slopes = powers(closest)
    if closest < num_heads:
        slopes += powers(2 * closest)[0::2][: num_heads - closest]
    return torch.tensor(slopes, dtype=torch.float32)


def flash_sigmoid_attn(
    q: Tensor,
    k: Tensor,
    v: Tensor,
    *,
    seq_lens: Tensor | None = None,
    bias=None,
    alibi_slopes: Tensor | None = None,
    scale: float | None = None,
    causal: bool = False,
) -> Tensor:
    """Sigmoid attention over padded batches.

    Args:
        q, k, v: (B, N, H, D), one dtype (float16, bfloat16 or float32), one device;
            D <= 256; float64 too on the CPU reference (for gradcheck). The kernels zero-pad a
            D that is not a multiple of 8 (a copy).
        seq_lens: (B,) int tensor (or a list of B ints) of valid lengths in [1, N];
            positions >= seq_lens[b] are padding:
            padded keys contribute nothing and padded query rows of the output are 0.
        bias: None, a float, or a tensor broadcastable to (B, H) -- (H,), (B, 1) or (B, H) --
            added to every logit of that (batch, head). Differentiable.
            ``"log_n"``: the paper's b = -log n, n the number of keys a query sees, made
            inside the kernels: n = seq_lens[b] (N without seq_lens), or i + 1 for query i
            when causal, so that no output depends on later frames. Without causal it
            equals ``bias=log_n_bias(seq_lens)`` without its tensor ops.
        alibi_slopes: None or (H,) float32; adds -slope_h * |i - j| (full distance).
        scale: logit scale, default D ** -0.5.
        causal: keep only j <= i.

    Returns:
        (B, N, H, D) in q's dtype.
    """
    kernels = uses_kernels(q)  # else the PyTorch reference; dispatch.route picks the kernel
    _check_inputs(q, k, v, bias, kernels)
    if isinstance(seq_lens, (list, tuple)):
        seq_lens = _lengths_of(seq_lens, q)
    elif seq_lens is not None and tuple(seq_lens.shape) != q.shape[:1]:
        raise ValueError(f"seq_lens: shape (B,) = ({q.shape[0]},), got {tuple(seq_lens.shape)}")
    batch, n, heads, dim = q.shape
    scale = dim**-0.5 if scale is None else float(scale)
    if not kernels:  # blocked PyTorch (cpu.py; the exact reference under torch.compile)
        log_n = isinstance(bias, str)
        bdt = torch.float64 if q.dtype == torch.float64 else torch.float32
        b_bh = None if log_n else bias_to_bh(bias, batch, heads, q.device, bdt)
        return attention_cpu(q, k, v, seq_lens, b_bh, alibi_slopes, scale, causal, log_n)
    op = _op()
    # Eager calls pay this host code every time: it avoids tensor ops where inputs are already
    # in the kernels' form (each op costs several us on the host, more than the kernel at N=256).
    if dim % 8:  # the kernels take multiples of 8; zero columns change neither Q Kᵀ nor P V
        q, k, v = (torch.nn.functional.pad(t, (0, -dim % 8)) for t in (q, k, v))
    if q.stride(-1) != 1 or k.stride(-1) != 1 or v.stride(-1) != 1:
        q, k, v = (t if t.stride(-1) == 1 else t.contiguous() for t in (q, k, v))
    log_n = isinstance(bias, str)
    if log_n:
        bias = None
    elif isinstance(bias, (int, float)) and not _capturing(q):
        bias = _constant_bias(float(bias), q.device, batch, heads)
    else:
        bias = bias_to_bh(bias, batch, heads, q.device, torch.float32)
    out = op.attention(
        q,
        k,
        v,
        _vector(seq_lens, q.device, (torch.int32, torch.int64)),
        bias,
        _vector(alibi_slopes, q.device, (torch.float32,)),
        scale,
        causal,
        log_n,
    )
    return out[..., :dim] if dim % 8 else out


@functools.cache
def _op():
    """flashsigmoid.op, imported on the first kernel call: Triton, which it imports, decides at
    import whether its kernels run compiled or in the interpreter."""
    from flashsigmoid import op

    return op


@functools.lru_cache(maxsize=64)
def _constant_bias(value: float, device, batch: int, heads: int) -> Tensor:
    """A float bias as a (B, H) view of one float32 element, made once per value and shape."""
    return torch.full((1, 1), value, dtype=torch.float32, device=device).expand(batch, heads)


def _capturing(q: Tensor) -> bool:
    """Compiling, or capturing a CUDA graph: no tensor may be cached across calls then."""
    return torch.compiler.is_compiling() or (q.is_cuda and torch.cuda.is_current_stream_capturing())


def _lengths_of(seq_lens, q: Tensor) -> Tensor:
    """Lengths given as a list or tuple of ints: checked, as a (B,) int64 tensor on q's device."""
    batch, n = q.shape[:2]
    if len(seq_lens) != batch or not all(isinstance(x, int) and 1 <= x <= n for x in seq_lens):
        raise ValueError(
            f"seq_lens: {batch} ints in [1, N = {n}] (one per batch row), got {seq_lens}"
        )
    return torch.tensor(seq_lens, dtype=torch.int64, device=q.device)


def _vector(t: Tensor | None, device, dtypes) -> Tensor | None:
    """t on ``device`` in one of ``dtypes`` (else the first) with unit stride: a no-op if it is."""
    if t is None:
        return None
    if t.device != device or t.dtype not in dtypes:
        t = t.to(device=device, dtype=dtypes[0])
    return t.contiguous()


def _check_inputs(q: Tensor, k: Tensor, v: Tensor, bias, kernels: bool) -> None:
    if isinstance(bias, str) and bias != "log_n":
        raise ValueError(f"bias='{bias}': the one named bias is 'log_n'")
    if not (q.shape == k.shape == v.shape) or q.dim() != 4:
        raise ValueError(
            f"q, k, v must share one (B, N, H, D) shape, got {tuple(q.shape)}, "
            f"{tuple(k.shape)}, {tuple(v.shape)}"
        )
    dtypes = _KERNEL_DTYPES if kernels else (*_KERNEL_DTYPES, torch.float64)
    if not (q.dtype == k.dtype == v.dtype) or q.dtype not in dtypes:
        where = "the kernels (GPU or TRITON_INTERPRET=1)" if kernels else "the CPU reference"
        raise ValueError(
            f"q, k, v must share one dtype of {dtypes} on {where}, got {q.dtype}, {k.dtype}, "
            f"{v.dtype}"
        )
    if not (q.device == k.device == v.device):
        raise ValueError(f"q, k, v must be on one device, got {q.device}, {k.device}, {v.device}")
    dim = q.shape[-1]
    if kernels and dim > 256:
        raise ValueError(f"head dim D={dim}: the kernels take D up to 256")


_KERNEL_DTYPES = (torch.float16, torch.bfloat16, torch.float32)
