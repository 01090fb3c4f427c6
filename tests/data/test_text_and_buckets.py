"""Text normalization shared by both corpora, and bucket boundaries."""

import pytest

from sigasr.data.buckets import bucket_of
from sigasr.data.normalize import normalize_text


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("it 's a <unk> test", "IT'S A TEST"),
        ("{NOISE} hello , world [laughter]", "HELLO WORLD"),
        ("HE SAID YES", "HE SAID YES"),
        ("<unk>", ""),
    ],
)
def test_normalize_text(raw, expected):
    assert normalize_text(raw) == expected


@pytest.mark.parametrize(
    "duration, bucket", [(0.5, "0-10s"), (10.0, "10-20s"), (29.99, "20-30s"), (30.0, "30s+")]
)
def test_bucket_of(duration, bucket):
    assert bucket_of(duration) == bucket
