"""The fast launcher's variant key against Triton's own specialization (CPU, no kernel run).

Triton is imported inside the test: the interpreter tests need to import it first.
"""

import itertools

import torch


def test_variant_key_is_at_least_as_fine_as_tritons_specialization():
    from triton._C.libtriton import native_specialize_impl
    from triton.backends.compiler import BaseBackend

    from flashsigmoid.launcher import _specialization

    buf = torch.zeros(64)
    ints = [0, 1, 2, 15, 16, 17, 32, -16, -1, 2**31 - 16, 2**31 - 1, 2**31, 2**40 + 16]
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
