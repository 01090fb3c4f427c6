"""Records the config keys sigasr code reads, in every Python process of a recipe run.

Python imports ``sitecustomize`` at start-up from the path, so putting this directory on
PYTHONPATH with SIGASR_CONFIG_READS=<file> makes each process append the full keys it read
(``data.noise.p``) to that file when it exits. A read counts when the code asking for the key
is sigasr's own, outside the schema module (sigasr/config.py validates every key it loads);
omegaconf's internal traversals (merge, to_yaml) do not count.
"""

import atexit
import os
import sys

_OUT = os.environ.get("SIGASR_CONFIG_READS")

if _OUT:
    from omegaconf import DictConfig

    _reads: set[str] = set()
    _getattr, _getitem = DictConfig.__getattr__, DictConfig.__getitem__

    def _record(node, key) -> None:
        caller = sys._getframe(2).f_code.co_filename
        if f"{os.sep}sigasr{os.sep}" in caller and not caller.endswith("config.py"):
            try:
                _reads.add(node._get_full_key(key))
            except Exception:  # a key omegaconf cannot place; the read itself still happens
                pass

    def _traced_getattr(self, key):
        _record(self, key)
        return _getattr(self, key)

    def _traced_getitem(self, key):
        _record(self, key)
        return _getitem(self, key)

    DictConfig.__getattr__ = _traced_getattr
    DictConfig.__getitem__ = _traced_getitem

    @atexit.register
    def _write() -> None:
        if _reads:
            with open(_OUT, "a") as f:
                f.writelines(f"{key}\n" for key in sorted(_reads))
