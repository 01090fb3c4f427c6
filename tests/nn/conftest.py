import pytest
import torch

from sigasr import ConformerEncoder, TransformerEncoder

ENCODERS = {"conformer": ConformerEncoder, "transformer": TransformerEncoder}


def tiny_encoder(kind: str, **options):
    torch.manual_seed(0)
    options = {"input_dim": 20, "d_model": 32, "num_layers": 2, "num_heads": 4, **options}
    return ENCODERS[kind](**options)


@pytest.fixture
def make_encoder():
    return tiny_encoder
