"""`prepare librispeech --download` fetches and unpacks parts from an openslr-style mirror
(a local HTTP server here), then prepares them; `--speed-perturb` adds 0.9x/1.1x copies."""

import functools
import http.server
import json
import tarfile
import threading

import pytest
from lhotse import CutSet

from sigasr.cli import main
from sigasr.data.corpora import cuts_path


@pytest.fixture
def mirror(demo_root, tmp_path):
    """An HTTP server whose 12/dev-clean.tar.gz holds the demo's LibriSpeech/dev-clean."""
    (tmp_path / "www/12").mkdir(parents=True)
    with tarfile.open(tmp_path / "www/12/dev-clean.tar.gz", "w:gz") as tar:
        tar.add(demo_root / "LibriSpeech/dev-clean", arcname="LibriSpeech/dev-clean")
    handler = functools.partial(
        http.server.SimpleHTTPRequestHandler, directory=str(tmp_path / "www")
    )
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_download_then_prepare(mirror, demo_root, tmp_path):
    corpus = tmp_path / "download/LibriSpeech"
    args = ["prepare", "librispeech", "--download", "--mirror", mirror, "--parts", "dev-clean"]
    args += ["--corpus-dir", str(corpus), "--manifest-dir", str(tmp_path / "manifests")]
    assert main([*args, "--stop-after", "manifests"]) == 0
    expected = sorted(p.name for p in (demo_root / "LibriSpeech/dev-clean").rglob("*.flac"))
    assert sorted(p.name for p in (corpus / "dev-clean").rglob("*.flac")) == expected
    cuts = CutSet.from_file(cuts_path(tmp_path / "manifests", "dev-clean"))
    assert len(cuts) == len(expected) > 0


def test_speed_perturb_triples_training_cuts(demo_root, tmp_path):
    corpus = tmp_path / "LibriSpeech"
    corpus.mkdir()
    (corpus / "train-clean-100").symlink_to(demo_root / "LibriSpeech/dev-clean")
    manifests = tmp_path / "manifests"
    args = ["prepare", "librispeech", "--corpus-dir", str(corpus), "--parts", "train-clean-100"]
    args += ["--manifest-dir", str(manifests), "--speed-perturb", "--on-the-fly"]
    assert main(args) == 0
    cuts = CutSet.from_file(cuts_path(manifests, "train-clean-100"))
    summary = json.loads((manifests / "librispeech_prepare_summary.json").read_text())
    n = summary[0]["kept"]
    assert len(cuts) == 3 * n
    by_factor = {f: [c for c in cuts if c.id.endswith(f"_sp{f}")] for f in ("0.9", "1.1")}
    assert all(len(v) == n for v in by_factor.values())
    base = {c.id: c.duration for c in cuts if "_sp" not in c.id}
    for c in by_factor["0.9"]:
        assert c.duration == pytest.approx(base[c.id.rsplit("_sp", 1)[0]] / 0.9, abs=1e-3)
