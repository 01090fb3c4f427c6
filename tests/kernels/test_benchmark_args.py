"""`sigasr bench attention --shapes`: shapes are parsed (and refused) before any GPU is needed."""

import pytest

from flashsigmoid.benchmark import Shape, main, parse_shape


def test_parse_shape():
    assert parse_shape("4,16,4096,128") == Shape(4, 16, 4096, 128)
    assert parse_shape("32,8,750,64,padded") == Shape(32, 8, 750, 64, padded=True)
    for bad in ("1,2,3", "1,2,3,4,causal", "a,2,3,4"):
        with pytest.raises(ValueError, match=bad):
            parse_shape(bad)


def test_bad_shape_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--shapes", "64,8,256"])
    assert exit_info.value.code == 2
    assert "shape '64,8,256'" in capsys.readouterr().err
