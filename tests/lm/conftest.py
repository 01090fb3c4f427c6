import pytest

from tools.kenlm_fixture import ensure_kenlm
from tools.tiny_corpus import tiny_corpus


@pytest.fixture(scope="session")
def corpus(tmp_path_factory):
    return tiny_corpus(tmp_path_factory.getbasetemp())


@pytest.fixture(scope="session")
def kenlm():
    return ensure_kenlm()
