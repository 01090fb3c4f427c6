"""How much memory one encoder pass needs, and how much the device has free.

The estimate of a pass over B sequences of T feature frames (N = T / 4 encoder frames) adds:

- attention scores, where they are materialized: the CPU (the PyTorch reference of sigmoid
  attention, and SDPA's math path) holds about four (B, H, N, N) float32 tensors' worth at
  once (scores, scores plus bias and positions, their sigmoid, the masks); softmax on CUDA reads a
  (B, H, N, N) additive mask (ALiBi and padding) of two bytes plus its sum. FlashSigmoid on
  CUDA keeps no N x N tensor;
- the encoder's activations alive within one layer: about 8 d_model + 2 ffn_dim values per
  frame (float32 on the CPU, bf16 under CUDA's autocast);
- the front-end's first convolution, one inference window (at most 4,100 frames) at a time:
  d_model channels x T/2 (x F/2 for conv2d) values, three times (output, activation, the
  second convolution's input);
- the (B, N, V) log-probabilities and logits.

On the CPU, for the demo model (``recipes/librispeech/conf/demo.yaml``) on 60, 120 and 240 s,
the estimate is 0.15, 0.57 and 2.20 GiB against a measured growth of the peak resident memory
of 0.16, 0.54 and 2.00 GiB (torch 2.11, one thread). On CUDA, for the 104.6 M Conformer of
``conformer_ctc_100m.yaml`` on 1, 2, 4 and 8 h, the estimate plus the weights is 2.3, 4.0,
7.5 and 14.3 GiB against the peaks that ``sigasr bench one-pass`` measured on an H100 (1.9,
3.2, 5.9 and 11.1 GiB; docs/benchmarks.md). Callers keep a margin (:data:`USABLE_FRACTION`)
of what is free.
"""

from __future__ import annotations

import os
from pathlib import Path

import torch

from sigasr.config import ModelConfig

FLOAT = 4  # bytes
USABLE_FRACTION = 0.7  # of the free memory, for a pass's estimate
FRONTEND_WINDOW_FRAMES = 4 * 1024 + 3  # Subsampling.inference_window output frames, as input


def one_pass_bytes(cfg: ModelConfig, batch: int, frames: int, device: torch.device) -> int:
    """Estimated peak bytes of one no-grad pass over ``batch`` sequences of ``frames`` frames."""
    enc = cfg.encoder
    n = frames // 4
    ffn = enc.ffn_dim or 4 * enc.d_model
    if device.type == "cpu":
        scores = 4 * batch * enc.num_heads * n * n * FLOAT
    elif enc.attention.kind == "softmax":
        scores = 2 * batch * enc.num_heads * n * n * 2
    else:
        scores = 0
    activation = 2 if device.type == "cuda" else FLOAT  # bf16 autocast on CUDA
    layer = batch * n * (8 * enc.d_model + 2 * ffn) * activation
    window = min(frames, FRONTEND_WINDOW_FRAMES)
    freq = cfg.input_dim // 2 if cfg.frontend == "conv2d" else 1
    frontend = 3 * batch * enc.d_model * (window // 2) * freq * activation
    output = 2 * batch * n * cfg.vocab_size * FLOAT
    return scores + layer + frontend + output


def free_bytes(device: torch.device) -> int:
    """Memory a pass can still take: free GPU memory (plus what torch's cache holds unused) on
    CUDA; on the CPU the kernel's ``MemAvailable``, capped by the cgroup's limit when one is set.
    """
    if device.type == "cuda":
        free, _ = torch.cuda.mem_get_info(device)
        return free + torch.cuda.memory_reserved(device) - torch.cuda.memory_allocated(device)
    available = _meminfo_available()
    limit = _cgroup_headroom()
    return min(available, limit) if limit is not None else available


def _meminfo_available() -> int:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_AVPHYS_PAGES")


def _cgroup_headroom() -> int | None:
    """cgroup v2 ``memory.max`` less ``memory.current``, or None without a limit."""
    root = Path("/sys/fs/cgroup")
    try:
        limit = (root / "memory.max").read_text().strip()
        if limit == "max":
            return None
        return int(limit) - int((root / "memory.current").read_text())
    except (OSError, ValueError):
        return None


def gib(num_bytes: float) -> str:
    return f"{num_bytes / 2**30:.1f} GiB"
