"""One small demo corpus per test session (no training hours: dev/test parts and TED-LIUM)."""

import pytest

from sigasr.data.demo.corpus import write_demo_corpus


@pytest.fixture(scope="session")
def demo_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("demo")
    write_demo_corpus(root, hours=0.01, seed=123, vocab_size=200)
    return root
