"""`sigasr decode --bucket all` on a corpus with an empty TED-LIUM bucket: the bucket gets a
row saying so and the other buckets are decoded; asking for that bucket alone is an error."""

import gzip
import shutil

from sigasr.cli import main
from sigasr.data.buckets import BUCKETS
from sigasr.data.corpora import cuts_path
from sigasr.data.tedlium import tedlium_set_name
from tools.tiny_corpus import train_args


def test_bucket_all_reports_an_empty_bucket_and_decodes_the_rest(corpus, tmp_path, capsys):
    manifests = tmp_path / "manifests"
    shutil.copytree(corpus / "data/manifests", manifests)
    *filled, empty = BUCKETS  # the tiny corpus's test-clean stands in for the first three
    for bucket in filled:
        shutil.copy(
            cuts_path(manifests, "test-clean"), cuts_path(manifests, tedlium_set_name(bucket))
        )
    with gzip.open(cuts_path(manifests, tedlium_set_name(empty)), "wt"):
        pass
    exp = tmp_path / "exp"
    args = ["train.max_steps=1", "train.valid_every=0", "decode.avg=1"]
    args += [f"data.manifest_dir={manifests}"]
    assert main(train_args(corpus, exp, *args)) == 0
    capsys.readouterr()

    assert main(["decode", "--exp-dir", str(exp), "--bucket", "all", "--device", "cpu"]) == 0
    out = capsys.readouterr().out
    assert f"[{tedlium_set_name(empty)}] no segment of the corpus falls in this bucket" in out
    rows = {line.split()[0]: line.split() for line in out.splitlines() if line.split()}
    assert rows[empty][1:] == ["0", "0.00", "-", "-", "-"]
    for bucket in filled:
        assert int(rows[bucket][1]) > 0
    assert (exp / "decode" / "wer-by-bucket-step-1-avg-1.png").stat().st_size > 0

    assert main(["decode", "--exp-dir", str(exp), "--bucket", empty, "--device", "cpu"]) == 1
    assert "holds no cuts" in capsys.readouterr().err
