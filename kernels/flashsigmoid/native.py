"""Eager calls in C++: recorded Triton launches, replayed under a C++ autograd node.

An eager forward + backward through ``torch.autograd.Function`` spends host time that a C++
autograd node does not: the autograd engine takes the GIL on its device thread for a Python
node, saved tensors and gradients pass through Python, and every launch runs Triton's Python
launch path (docs/benchmarks.md, "Eager calls").

The first eager call of a key (everything the launches depend on; ``native.cpp`` lists it)
runs the Python path and records its launches (``launcher.recording``). Each launch becomes a
recipe: the compiled kernel's CUfunction, grid, block and shared memory, and per parameter
constant bytes, the address of one of the call's tensors ("slots"), or a TMA descriptor over
one of them, which the C++ side encodes for each call's address. Later calls of the key run
in C++ (``native.cpp``): outputs allocated, launches replayed, and a C++ node for the
backward, whose launches the first backward records the same way.

Slots, by position:
    forward:  q, k, v, out, seq_lens, bias, slopes
    backward: dO, q, k, v, dQ, dK, dV, dBias, seq_lens, bias, slopes
Outputs are allocated as the Python kernels allocate them: O, dQ, dK, dV empty like q, dBias
(B, H) float32 zeros when there is a bias tensor.

A key whose launches cannot be replayed (an argument that is none of the slots, a launch
through Triton's plain path, such as under a profiler's launch hook) stays on the Python
path; a call that autotunes is recorded at the next call.

The extension is compiled on first use, in a background thread, with the C++ compiler that
Triton itself needs, against the installed torch and the CUDA headers Triton ships; eager
calls take the Python path until it is loaded. It is built once per source, torch and Python
version, into ``$FLASHSIGMOID_CACHE_DIR`` (default ``~/.cache/flashsigmoid``).
``FLASHSIGMOID_NATIVE=0`` keeps every call on the Python path.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import os
import shlex
import struct
import subprocess
import sys
import sysconfig
import threading
from pathlib import Path

import torch

log = logging.getLogger(__name__)

_SOURCE = Path(__file__).with_name("native.cpp")
_CONST, _POINTER, _TMA = range(3)
_OOB_FILL_NAN = 1  # CU_TENSOR_MAP_FLOAT_OOB_FILL_NAN_REQUEST_ZERO_FMA
_PACK = {
    "i1": "b", "i8": "b", "i16": "h", "i32": "i", "i64": "q",
    "u1": "B", "u8": "B", "u16": "H", "u32": "I", "u64": "Q",
    "fp16": "e", "fp32": "f", "f32": "f", "fp64": "d",
}  # fmt: skip


class _State:
    module = None  # the loaded extension
    thread: threading.Thread | None = None
    error: str | None = None


_state = _State()
_lock = threading.Lock()


def extension():
    """The loaded extension, or None while it builds, after a failed build, or with
    FLASHSIGMOID_NATIVE=0 (checked here until the build starts; native.cpp reads it on every
    call). The first call without it starts the build."""
    if _state.module is not None or _state.thread is not None:
        return _state.module
    with _lock:
        if _state.thread is None and os.environ.get("FLASHSIGMOID_NATIVE", "1") != "0":
            _state.thread = threading.Thread(target=_load, name="flashsigmoid-native", daemon=True)
            _state.thread.start()
    return _state.module


def wait() -> object | None:
    """Starts the build if needed and waits for it: the extension, or None (see ``error``)."""
    extension()
    if _state.thread is not None:
        _state.thread.join()
    return _state.module


def error() -> str | None:
    """Why the extension could not be built or loaded, or None."""
    return _state.error


def cache_dir() -> Path:
    """Where the extension is built: $FLASHSIGMOID_CACHE_DIR, else ~/.cache/flashsigmoid."""
    default = Path.home() / ".cache" / "flashsigmoid"
    return Path(os.environ.get("FLASHSIGMOID_CACHE_DIR", default))


def _load() -> None:
    try:
        path, name = _build()
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        module.set_backward_fallback(_backward_fallback)
        _state.module = module
    except Exception as exc:  # noqa: BLE001 - every failure leaves the Python path, reported
        _state.error = f"{type(exc).__name__}: {exc}"
        log.warning(
            "flashsigmoid: the C++ eager path is unavailable, eager calls stay in Python (%s)",
            _state.error,
        )


def _build() -> tuple[Path, str]:
    """Compiles native.cpp unless built already: (shared library, module name)."""
    import triton

    source = _SOURCE.read_bytes()
    stamp = f"{torch.__version__} {sys.version} {triton.__version__}".encode()
    name = "_flashsigmoid_native_" + hashlib.sha256(source + stamp).hexdigest()[:16]
    path = cache_dir() / (name + sysconfig.get_config_var("EXT_SUFFIX"))
    if path.exists():
        return path, name
    torch_dir = Path(torch.__file__).parent
    cuda_include = Path(triton.__file__).parent / "backends" / "nvidia" / "include"
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.part")
    command = [
        os.environ.get("CXX", "c++"), "-O2", "-std=c++17", "-shared", "-fPIC",
        f"-DTORCH_EXTENSION_NAME={name}", "-DTORCH_API_INCLUDE_EXTENSION_H",
        f"-D_GLIBCXX_USE_CXX11_ABI={int(torch._C._GLIBCXX_USE_CXX11_ABI)}",
        f"-I{torch_dir / 'include'}",
        f"-I{torch_dir / 'include' / 'torch' / 'csrc' / 'api' / 'include'}",
        f"-I{sysconfig.get_paths()['include']}", f"-I{cuda_include}",
        str(_SOURCE), f"-L{torch_dir / 'lib'}", "-lc10", "-lc10_cuda", "-ltorch",
        "-ltorch_cpu", "-ltorch_python", f"-Wl,-rpath,{torch_dir / 'lib'}", "-o", str(partial),
    ]  # fmt: skip
    # In its own session, the compiler and the rename finish even if this process exits
    # first (a short command): the next process finds the library built.
    # Its messages go to a file, not a pipe that would close with this process.
    messages = partial.with_suffix(".log")
    part, final = shlex.quote(str(partial)), shlex.quote(str(path))
    script = (
        f"{shlex.join(command)} > {shlex.quote(str(messages))} 2>&1 && mv -f {part} {final}"
        f" || {{ rm -f {part}; exit 1; }}"
    )
    log.info("flashsigmoid: compiling the C++ eager path (about a minute, once)")
    done = subprocess.run(["sh", "-c", script], start_new_session=True)
    try:
        text = messages.read_text(errors="replace")
        messages.unlink()
    except OSError:
        text = ""
    if done.returncode or not path.exists():
        raise RuntimeError(f"{command[0]} exited {done.returncode}: {text[-2000:]}")
    return path, name


# --- recording -----------------------------------------------------------------------------


class Unreplayable(Exception):
    """A recorded launch that the C++ side cannot replay."""


def recipe(launches: list, slots: tuple) -> list | None:
    """The C++ recipe of ``launches`` (from ``launcher.recording``) over ``slots``, or None
    when one of them cannot be replayed. Callers check ``launcher.AUTOTUNING in launches``
    first: such a call is recorded at the next one rather than kept in Python."""
    if not launches:
        return None
    try:
        return [_launch_spec(item, slots) for item in launches]
    except Unreplayable as exc:
        log.debug("flashsigmoid: eager call stays in Python: %s", exc)
        return None


def _launch_spec(item, slots) -> tuple:
    if not isinstance(item, tuple):
        raise Unreplayable(str(item))
    compiled, grid, args, tail = item
    meta = compiled.metadata
    if getattr(meta, "profile_scratch_size", 0):
        raise Unreplayable("a profiling kernel")
    descriptor_meta = iter(getattr(meta, "tensordesc_meta", None) or ())
    params: list[tuple] = []
    values = (*args, *tail)
    signature = list(compiled.src.signature.values())
    if len(signature) != len(values):
        raise Unreplayable(f"{len(values)} arguments for {len(signature)} parameters")
    for ty, value in zip(signature, values, strict=True):
        if ty == "constexpr":
            continue
        if not isinstance(ty, str):
            raise Unreplayable(f"a parameter of type {ty}")
        if ty.startswith("*"):
            params.append(_pointer(value, slots))
        elif ty.startswith("tensordesc"):
            params += _descriptor(value, next(descriptor_meta, None), slots)
        else:
            params.append(_const(ty, value))
    return (
        compiled.function, grid, 32 * meta.num_warps, meta.shared, meta.num_ctas,
        bool(meta.launch_cooperative_grid), bool(meta.launch_pdl),
        meta.global_scratch_size, params,
    )  # fmt: skip


def _slot(t, slots) -> tuple[int, int]:
    """(slot, byte offset of t's data from the slot's)."""
    if not isinstance(t, torch.Tensor):
        raise Unreplayable(f"a pointer argument of type {type(t).__name__}")
    for i, s in enumerate(slots):
        if s is t:
            return i, 0
    for i, s in enumerate(slots):
        if s is not None and s.untyped_storage().data_ptr() == t.untyped_storage().data_ptr():
            return i, t.data_ptr() - s.data_ptr()
    raise Unreplayable("a tensor argument that is none of the call's tensors")


def _pointer(value, slots) -> tuple:
    if value is None:
        return (_CONST, bytes(8))
    slot, offset = _slot(value, slots)
    return (_POINTER, slot, offset)


def _const(ty: str, value) -> tuple:
    if ty == "bf16":  # the upper half of the float32, as Triton's launcher packs it
        return (
            _CONST,
            struct.pack("<I", struct.unpack("<I", struct.pack("<f", value))[0] >> 16)[:2],
        )
    if ty not in _PACK:
        raise Unreplayable(f"a parameter of type {ty}")
    return (_CONST, struct.pack("<" + _PACK[ty], value))


def _descriptor(desc, meta, slots) -> list[tuple]:
    """A host TMA descriptor's parameters, as Triton's launcher expands them: the CUtensorMap
    (or, for a kernel lowered without one, base pointer, shape, strides and padding), then
    the shape as i32 and the strides as i64."""
    shape, strides = list(desc.shape), list(desc.strides)
    if meta is None:
        head = [_pointer(desc.base, slots)]
        head += [_const("i64", x) for x in (*shape, *strides)]
        head.append(_const("i1", desc.padding == "nan"))
    else:
        from triton.backends.nvidia.driver import TMA_DTYPE_DEVICE_TO_HOST

        slot, offset = _slot(desc.base, slots)
        if offset:
            raise Unreplayable("a TMA descriptor over a view")
        if meta["fp4_padded"]:
            shape[-1] *= 2
        elem, rank = meta["elem_size"], len(shape)
        dims = shape[::-1]
        byte_strides = [elem * s for s in strides[:-1]][::-1]
        byte_strides.append(dims[-1] * (byte_strides[-1] if byte_strides else elem))
        head = [
            (
                _TMA, slot, TMA_DTYPE_DEVICE_TO_HOST[meta["elem_type"]], meta["swizzle"],
                _OOB_FILL_NAN if desc.padding == "nan" else 0, dims, byte_strides,
                list(meta["block_size"])[::-1],
            )
        ]  # fmt: skip
        if len(meta["block_size"]) != rank:
            raise Unreplayable("a TMA box of another rank than its tensor")
    return head + [_const("i32", x) for x in shape] + [_const("i64", x) for x in strides]


def _backward_fallback(index, do, q, k, v, seq_lens, bias, slopes, scale, causal, log_n):
    """The backward of a C++ node whose entry has no backward recipe yet (or whose dO is laid
    out otherwise than recorded): the Python backward, recorded."""
    from flashsigmoid import op

    return op.recorded_backward(
        _state.module, index, do, q, k, v, seq_lens, bias, slopes, scale, causal, log_n
    )
