"""The LibriSpeech LM download: OpenSLR URLs, resuming a partial download over HTTP ranges
(from a local server here), size and gzip checks, and unpacking to ARPA."""

import functools
import gzip
import http.server
import io
import threading

import pytest

from sigasr.cli import main
from sigasr.errors import LMError
from sigasr.lm.arpa import ngram_counts
from sigasr.lm.librispeech_lm import LIBRISPEECH_LMS, download, lm_url, unpack

ARPA = "\\data\\\nngram 1=3\n\n\\1-grams:\n-1.0\t<s>\t0\n-0.5\tHELLO\t0\n-0.5\t</s>\n\n\\end\\\n"


class RangeHandler(http.server.SimpleHTTPRequestHandler):
    """Serves files, honouring ``Range: bytes=N-`` as OpenSLR's server does; counts bytes sent."""

    sent: list[int]

    def send_head(self):
        range_header = self.headers.get("Range")
        path = self.translate_path(self.path)
        if not range_header:
            return super().send_head()
        try:
            data = open(path, "rb").read()
        except OSError:
            self.send_error(404)
            return None
        start = int(range_header.removeprefix("bytes=").rstrip("-"))
        if start >= len(data):
            self.send_error(416)
            return None
        self.send_response(206)
        self.send_header("Content-Length", str(len(data) - start))
        self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        self.end_headers()
        self.sent.append(len(data) - start)
        return io.BytesIO(data[start:])

    def log_message(self, *args):
        pass


@pytest.fixture
def mirror(tmp_path):
    """A local server with 11/3-gram.pruned.1e-7.arpa.gz; yields (base URL, bytes-sent log)."""
    www = tmp_path / "www/11"
    www.mkdir(parents=True)
    with gzip.open(www / "3-gram.pruned.1e-7.arpa.gz", "wt") as f:
        f.write(ARPA)
    sent: list[int] = []
    handler = functools.partial(
        type("H", (RangeHandler,), {"sent": sent}), directory=str(tmp_path / "www")
    )
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", sent
    server.shutdown()


def test_urls_of_openslr_resource_11():
    assert lm_url("4-gram") == "https://www.openslr.org/resources/11/4-gram.arpa.gz"
    assert lm_url("3-gram.pruned.1e-7", "http://mirror/res/") == (
        "http://mirror/res/11/3-gram.pruned.1e-7.arpa.gz"
    )
    assert set(LIBRISPEECH_LMS) >= {"3-gram", "4-gram", "3-gram.pruned.1e-7"}
    with pytest.raises(LMError, match="unknown LibriSpeech LM '5-gram'"):
        lm_url("5-gram")


def test_download_resumes_a_partial_file(mirror, tmp_path):
    base, sent = mirror
    url = lm_url("3-gram.pruned.1e-7", base)
    whole = (tmp_path / "www/11/3-gram.pruned.1e-7.arpa.gz").read_bytes()
    dest = tmp_path / "lm/3-gram.pruned.1e-7.arpa.gz"
    dest.parent.mkdir()
    dest.with_name(dest.name + ".part").write_bytes(whole[:10])
    assert download(url, dest) == dest
    assert dest.read_bytes() == whole
    assert sent == [len(whole) - 10]  # only the missing bytes were fetched
    assert not dest.with_name(dest.name + ".part").exists()


def test_prepare_librispeech_lm_downloads_and_unpacks(mirror, tmp_path, capsys):
    base, _ = mirror
    lm_dir = tmp_path / "lm"
    args = ["prepare", "librispeech-lm", "--lm-dir", str(lm_dir), "--mirror", base]
    assert main(args) == 0
    arpa = lm_dir / "3-gram.pruned.1e-7.arpa"
    assert arpa.read_text() == ARPA
    assert ngram_counts(arpa) == {1: 3}
    assert not (lm_dir / "3-gram.pruned.1e-7.arpa.gz").exists()
    assert main(args) == 0  # done already: nothing fetched again
    assert f"LM: {arpa}" in capsys.readouterr().out

    missing = ["prepare", "librispeech-lm", "--lm-dir", str(lm_dir), "--mirror", base,
               "--models", "4-gram"]  # fmt: skip
    assert main(missing) == 1
    assert "4-gram.arpa.gz: download failed: HTTP 404" in capsys.readouterr().err


def test_unpack_names_a_corrupt_download(tmp_path):
    gz = tmp_path / "lm.arpa.gz"
    with gzip.open(gz, "wt") as f:
        f.write(ARPA * 50)
    gz.write_bytes(gz.read_bytes()[:-12])  # truncated: CRC and size trailer gone
    with pytest.raises(LMError, match=f"{gz}: corrupt or truncated gzip file"):
        unpack(gz, tmp_path / "lm.arpa")
    assert not (tmp_path / "lm.arpa").exists()
