"""A CRC32 over nested state dicts, stored with checkpoints and exported weights."""

from __future__ import annotations

import zlib

import torch


def state_checksum(value, crc: int = 0) -> int:
    """CRC32 over a checkpoint's nested dicts, lists, tensors (dtype, shape, bytes) and values."""
    if isinstance(value, torch.Tensor):
        t = value.detach().cpu().contiguous().reshape(-1)
        crc = zlib.crc32(f"T{t.dtype}{tuple(value.shape)}".encode(), crc)
        return zlib.crc32(t.view(torch.uint8).numpy(), crc)
    if isinstance(value, dict):
        crc = zlib.crc32(f"D{len(value)}".encode(), crc)
        for key in sorted(value, key=repr):
            crc = state_checksum(value[key], zlib.crc32(repr(key).encode(), crc))
        return crc
    if isinstance(value, list | tuple):
        crc = zlib.crc32(f"L{len(value)}".encode(), crc)
        for item in value:
            crc = state_checksum(item, crc)
        return crc
    return zlib.crc32(f"{type(value).__name__}:{value!r}".encode(), crc)
