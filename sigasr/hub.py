"""Model folders by local path or Hugging Face Hub id.

A name that is an existing directory is used as it is. Otherwise a name of the form
``org/name`` (optionally ``org/name@revision``) is fetched with ``huggingface_hub``'s
``snapshot_download``, which keeps the files in its own cache (``HF_HUB_CACHE``, by default
``~/.cache/huggingface/hub``) and, with ``HF_HUB_OFFLINE=1``, serves them from that cache
without the network.
"""

from __future__ import annotations

import re
from pathlib import Path

from sigasr.errors import ModelLoadError

HUB_ID = re.compile(r"^(?P<repo>[A-Za-z0-9][\w.-]*/[\w.-]+)(?:@(?P<revision>[\w./-]+))?$")


class ModelNotFoundError(ModelLoadError):
    """A model name is neither a local directory nor a Hub model that can be fetched."""


def resolve_model_dir(name: str | Path, cache_dir: str | Path | None = None) -> Path:
    """The local directory holding model ``name``: the directory itself, or the Hub snapshot.

    Raises :class:`ModelNotFoundError` naming ``name`` and the reason when neither applies.
    """
    path = Path(name)
    if path.is_dir():
        return path
    if path.exists():
        raise ModelNotFoundError(f"{name}: is a file; a model is a directory (sigasr export)")
    match = HUB_ID.match(str(name))
    if match is None:
        raise ModelNotFoundError(
            f"{name}: no such model directory, and not a Hugging Face Hub id (org/name)"
        )
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import HfHubHTTPError, LocalEntryNotFoundError

    from sigasr import __version__

    try:
        return Path(
            snapshot_download(
                match["repo"],
                revision=match["revision"],
                cache_dir=cache_dir,
                library_name="sigasr",
                library_version=__version__,
            )
        )
    except LocalEntryNotFoundError:
        raise ModelNotFoundError(
            f"{name}: no such model directory, and the Hugging Face Hub model is neither "
            "reachable nor in the local cache"
        ) from None
    except (HfHubHTTPError, ValueError, OSError) as e:
        reason = str(e).splitlines()[0]
        raise ModelNotFoundError(
            f"{name}: cannot fetch from the Hugging Face Hub: {reason}"
        ) from None
