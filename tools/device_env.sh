# Source this on a GPU machine that has the pinned torch stack but no internet: it installs the
# wheels in .whl/ into /tmp/site, and gives tools/venv.sh a .venv that is that machine's own
# Python, so recipes and tools run as they do on a workstation. Fill .whl/ beforehand with
# `pip download --no-deps -d .whl lhotse jiwer omegaconf ...` (the packages pyproject.toml
# adds to torch and triton).
_sigasr_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
    --target /tmp/site "$_sigasr_root"/.whl/*.whl || return 1
export PYTHONPATH="/tmp/site:$_sigasr_root:$_sigasr_root/kernels${PYTHONPATH:+:$PYTHONPATH}"
mkdir -p "$_sigasr_root/.venv/bin"
# Wrappers, not links: a linked venv python would not find its own site-packages.
printf '#!/bin/sh\nexec python3 "$@"\n' >"$_sigasr_root/.venv/bin/python"
printf '#!/bin/sh\nexec python3 -m sigasr "$@"\n' >"$_sigasr_root/.venv/bin/sigasr"
chmod +x "$_sigasr_root/.venv/bin/python" "$_sigasr_root/.venv/bin/sigasr"
touch "$_sigasr_root/.venv/.sigasr-installed"
export PATH="$_sigasr_root/.venv/bin:$PATH"
unset _sigasr_root
