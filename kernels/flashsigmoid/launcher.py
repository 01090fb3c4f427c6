"""Launching a ``triton.jit`` kernel with little host time: its compiled binary, cached.

``kernel[grid](*args)`` binds the arguments, works out Triton's specialization of each one,
looks the compiled kernel up and only then launches it: about 45 us of Python per launch on
an H100 host, more than the whole kernel at small ASR shapes. Here the first launch of a
variant goes through ``kernel[grid]``, which compiles (or finds) the ``CompiledKernel`` and
returns it; later launches of the same variant call its launcher directly.

A variant is everything the compiled code depends on:
    the constexpr values and launch options (tiles, num_warps, num_stages),
    the current device,
    per tensor argument: dtype, and whether data_ptr % 16 == 0 (Triton assumes 16-byte
        alignment when it holds, for vectorised loads),
    per int argument: == 1 (compiled in as a constant), % 16 == 0 (divisibility hint),
        whether it fits int32 or int64 (i32, i64 or u64 parameter),
    None arguments (compiled in as constants); float arguments are never specialized;
    per host TMA descriptor: dtype, box shape and padding (its shape and strides are not),
        and a Gluon descriptor's shared-memory layout.
An argument of any other type, a launch hook (a profiler's), or the interpreter
(TRITON_INTERPRET=1) takes the plain ``kernel[grid]`` path.

Under ``recording()``, each launch on this thread is also collected for native.py, which
replays them from C++: (CompiledKernel, grid, runtime args, constexpr values), or
UNREPLAYABLE for a launch through the plain path.
"""

from __future__ import annotations

import contextlib
import threading

import torch
from triton import knobs
from triton.experimental.gluon.nvidia.hopper import TensorDescriptor as GluonDescriptor
from triton.runtime.driver import driver
from triton.tools.tensor_descriptor import TensorDescriptor

from flashsigmoid.dispatch import interpreting

_INT32, _INT64 = range(-(2**31), 2**31), range(-(2**63), 2**63)
_COMPILED: dict[tuple, tuple] = {}
"""variant key -> (CompiledKernel, the constexpr values in parameter order)."""

UNREPLAYABLE = "unreplayable"
AUTOTUNING = "autotuning"  # recorded by tuning.launch_tiled for an autotuner's run
_RECORDING = threading.local()


@contextlib.contextmanager
def recording():
    """Collects the launches made on this thread inside the block into the list it yields."""
    launches: list = []
    _RECORDING.launches = launches
    try:
        yield launches
    finally:
        _RECORDING.launches = None


def record(item) -> None:
    """Adds ``item`` to the launches being collected on this thread, if any."""
    launches = getattr(_RECORDING, "launches", None)
    if launches is not None:
        launches.append(item)


def descriptor(cls, base: torch.Tensor, shape, strides, block_shape, **fields):
    """``cls(base, shape, strides, block_shape, **fields)`` (a Triton or Gluon host TMA
    descriptor) without its checks of alignment and strides, which cost more host time than
    the rest of a launch: for tensors ``dispatch.route`` has found TMA-ready."""
    desc = object.__new__(cls)
    desc.__dict__.update(
        base=base, shape=shape, strides=strides, block_shape=block_shape, padding="zero", **fields
    )
    return desc


_LAYOUT_KEYS: dict[int, tuple] = {}
"""id(layout) -> (layout, repr(layout)): a Gluon layout's key part, made once per layout."""


def _layout_key(layout) -> str:
    entry = _LAYOUT_KEYS.get(id(layout))
    if entry is None or entry[0] is not layout:
        entry = _LAYOUT_KEYS[id(layout)] = (layout, repr(layout))
    return entry[1]


def _specialization(arg):
    """What of ``arg`` Triton's compiled code depends on (see the module docstring)."""
    if type(arg) is int:
        return (arg == 1, arg % 16 == 0, arg in _INT32, arg in _INT64)
    if isinstance(arg, torch.Tensor):
        return (arg.dtype, arg.data_ptr() % 16 == 0)
    if isinstance(arg, TensorDescriptor):
        return (arg.base.dtype, tuple(arg.block_shape), arg.padding)
    if isinstance(arg, GluonDescriptor):  # its shared-memory layout too
        return (arg.base.dtype, tuple(arg.block_shape), arg.padding, _layout_key(arg.layout))
    if arg is None or type(arg) is float:
        return type(arg)
    raise TypeError(f"no fast launch for an argument of type {type(arg).__name__}")


def _hooked(*hooks) -> bool:
    """Whether a launch hook is set (a profiler's). Triton 3.6 keeps empty HookChains when
    none is, and calls them on every plain launch; the fast launch passes None instead."""
    return any(hook is not None and getattr(hook, "calls", True) for hook in hooks)


def launch(kernel, grid: tuple[int, ...], args: tuple, constexprs: dict) -> None:
    """``kernel[grid](*args, **constexprs)``, through the cached compiled kernel when possible.

    args: the runtime (non-constexpr) arguments, which come first in ``kernel``'s signature;
    constexprs: the constexpr arguments by name, plus launch options (num_warps, ...).
    """
    if interpreting() or _hooked(knobs.runtime.launch_enter_hook, knobs.runtime.launch_exit_hook):
        record(UNREPLAYABLE)
        kernel[grid](*args, **constexprs)
        return
    device = driver.active.get_current_device()
    try:
        key = (kernel, device, *constexprs.items(), *map(_specialization, args))
    except TypeError:
        record(UNREPLAYABLE)
        kernel[grid](*args, **constexprs)
        return
    grid_x, grid_y, grid_z = (*grid, 1, 1)[:3]
    cached = _COMPILED.get(key)
    if cached is None:
        compiled = kernel[grid](*args, **constexprs)
        if not hasattr(compiled, "packed_metadata"):  # a future of Triton's async compile
            record(UNREPLAYABLE)
            return
        tail = tuple(constexprs[name] for name in kernel.arg_names[len(args) :])
        _COMPILED[key] = (compiled, tail)
        record((compiled, (grid_x, grid_y, grid_z), args, tail))
        return
    compiled, tail = cached
    record((compiled, (grid_x, grid_y, grid_z), args, tail))
    stream = driver.active.get_current_stream(device)
    # The launcher takes every parameter in signature order; constexprs are skipped by it.
    compiled.run(
        grid_x, grid_y, grid_z, stream, compiled.function, compiled.packed_metadata,
        None, None, None, *args, *tail,
    )  # fmt: skip
