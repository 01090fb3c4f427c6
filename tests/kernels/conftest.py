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
