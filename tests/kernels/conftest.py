import os

import pytest


@pytest.fixture
def interpret(monkeypatch):
    """Runs flashsigmoid's Triton kernels on CPU tensors in Triton's interpreter.

    Triton fixes compiled-versus-interpreted when it is first imported; tests/conftest.py
    imports it in interpreter mode on machines without CUDA.
    """
    monkeypatch.setenv("TRITON_INTERPRET", "1")
    import triton.language as tl

    if type(tl.zeros).__name__ != "InterpretedFunction":
        pytest.fail("triton was imported before TRITON_INTERPRET=1 was set in this process")


@pytest.fixture(autouse=True)
def _fixed_tiles_for_gpu_tests(request, monkeypatch):
    """GPU tests run fixed tiles unless FLASHSIGMOID_AUTOTUNE is set in the environment:
    autotuning float32 at D = 128-256 compiles for minutes per case.
    The autotuned tiles have their own test, which sets FLASHSIGMOID_AUTOTUNE=1."""
    if request.node.get_closest_marker("gpu") and "FLASHSIGMOID_AUTOTUNE" not in os.environ:
        monkeypatch.setenv("FLASHSIGMOID_AUTOTUNE", "0")


@pytest.fixture(autouse=True)
def _python_path_for_gpu_tests(request, monkeypatch):
    """GPU tests run the Python eager path unless FLASHSIGMOID_NATIVE is set in the
    environment: some count calls of the kernels' host functions, which a replayed call
    skips. test_native_gpu.py turns the C++ path on itself."""
    if request.node.get_closest_marker("gpu") and "FLASHSIGMOID_NATIVE" not in os.environ:
        monkeypatch.setenv("FLASHSIGMOID_NATIVE", "0")


@pytest.fixture(autouse=True)
def _fresh_plans():
    """dispatch.route caches plans, which hold the kernels' host functions: a test that
    patches one of those sees it routed to, and the next test does not."""
    from flashsigmoid import dispatch

    dispatch._plan.cache_clear()
    yield
    dispatch._plan.cache_clear()
