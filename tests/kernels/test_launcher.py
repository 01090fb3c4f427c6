"""The fast launcher's variant key against Triton's own specialization (CPU, no kernel run).

Without CUDA, Triton's functions are the interpreter's (tests/conftest.py), and the gluon
module that ``native_specialize_impl`` imports on first use accepts them only while
TRITON_INTERPRET=1 is set.
"""

import itertools

import torch


def test_variant_key_is_at_least_as_fine_as_tritons_specialization(monkeypatch):
    if not torch.cuda.is_available():
        monkeypatch.setenv("TRITON_INTERPRET", "1")
    from triton._C.libtriton import native_specialize_impl
    from triton.backends.compiler import BaseBackend

    from flashsigmoid.launcher import _specialization

    buf = torch.zeros(64)
    ints = [0, 1, 2, 15, 16, 17, 32, -16, -1, 2**31 - 16, 2**31 - 1, 2**31, 2**40 + 16, 2**63]
    tensors = [buf, buf[1:], buf[4:], buf.half(), buf.half()[8:], buf.int()]
    args = [*ints, *tensors, None, 0.5, 3.0]
    for a, b in itertools.combinations(args, 2):
        if type(a) is not type(b) or _specialization(a) != _specialization(b):
            continue
        triton_a = native_specialize_impl(BaseBackend, a, False, True, True)
        triton_b = native_specialize_impl(BaseBackend, b, False, True, True)
        assert triton_a[0] == triton_b[0], (a, b)  # the parameter type (or "constexpr")
        if triton_a[0] == "constexpr":
            assert triton_a[1] == triton_b[1], (a, b)  # the value compiled in
        else:
            assert triton_a[1:] == triton_b[1:], (a, b)


class _FakeCompiled:
    """Records the launcher calls a CompiledKernel would receive."""

    function, packed_metadata = "function", "packed"  # a loaded CompiledKernel's handles

    def __init__(self):
        self.calls = []

    def run(self, *args):
        self.calls.append(args)


class _FakeKernel:
    """A JITFunction stand-in: ``kernel[grid](...)`` records the call, returns a compiled."""

    arg_names = ["X", "n", "scale", "BLOCK", "FLAG"]

    def __init__(self):
        self.compiled, self.plain = _FakeCompiled(), []

    def __getitem__(self, grid):
        def run(*args, **constexprs):
            self.plain.append((grid, args, constexprs))
            return self.compiled

        return run


class _FakeDriver:
    class active:  # noqa: N801 (mirrors triton's driver.active)
        get_current_device = staticmethod(lambda: 0)
        get_current_stream = staticmethod(lambda device: 1234)


def test_launch_reuses_the_compiled_kernel_only_for_the_same_variant(monkeypatch):
    from flashsigmoid import launcher

    monkeypatch.setenv("TRITON_INTERPRET", "0")
    monkeypatch.setattr(launcher, "driver", _FakeDriver)
    monkeypatch.setattr(launcher, "_COMPILED", {})
    kernel = _FakeKernel()
    x = torch.zeros(64)
    meta = {"BLOCK": 16, "FLAG": True, "num_warps": 4}

    launcher.launch(kernel, (3, 2), (x, 48, 0.5), meta)  # new variant: plain launch
    tail = x[4:]
    launcher.launch(kernel, (5, 2), (tail, 32, 0.25), meta)  # same variant: fast
    assert len(kernel.plain) == 1
    # The launcher gets every parameter in signature order, constexprs included; no hooks.
    (call,) = kernel.compiled.calls
    assert call[:9] == (5, 2, 1, 1234, "function", "packed", None, None, None)
    assert call[9] is tail and call[10:] == (32, 0.25, 16, True)
    for args, other_meta in [
        ((x, 47, 0.5), meta),  # n not divisible by 16
        ((x, 1, 0.5), meta),  # n == 1 becomes a constant
        ((x, 2**31, 0.5), meta),  # n needs int64
        ((x[1:], 48, 0.5), meta),  # X not 16-byte aligned
        ((x.half(), 48, 0.5), meta),  # another dtype
        ((None, 48, 0.5), meta),  # no tensor
        ((x, 48, 0.5), {**meta, "num_warps": 8}),  # another launch option
        ((x, 48, 0.5), {**meta, "FLAG": False}),  # another constexpr
    ]:
        before = len(kernel.plain)
        launcher.launch(kernel, (1,), args, other_meta)
        assert len(kernel.plain) == before + 1, (args, other_meta)
    assert len(kernel.compiled.calls) == 1
    launcher.launch(kernel, (1,), (x, True, 0.5), meta)  # a bool: never the fast path
    launcher.launch(kernel, (1,), (x, True, 0.5), meta)
    assert len(kernel.compiled.calls) == 1
