"""Triton fixes compiled-versus-interpreted when it is first imported, and anything may import
it first (one AdamW step does, through torch's compiler). Without CUDA, import it here in
interpreter mode, before any test runs; flashsigmoid still picks the PyTorch reference or the
interpreted kernels per call from TRITON_INTERPRET (the `interpret` fixture of tests/kernels)."""

import os

import pytest
import torch

from tools.kenlm_fixture import ensure_kenlm
from tools.tiny_corpus import tiny_corpus

if not torch.cuda.is_available():
    os.environ["TRITON_INTERPRET"] = "1"
    import triton.experimental.gluon.language  # noqa: F401  (asserts the mode it was loaded in)
    import triton.language  # noqa: F401

    del os.environ["TRITON_INTERPRET"]


@pytest.fixture(scope="session")
def corpus(tmp_path_factory):
    """The tiny synthesized corpus (tools/tiny_corpus.py), made once per test session."""
    return tiny_corpus(tmp_path_factory.getbasetemp())


@pytest.fixture(scope="session")
def kenlm():
    """The directory of KenLM's lmplz, built from source once per machine (tools/build_kenlm.sh)."""
    return ensure_kenlm()
