# Source this on a machine without internet whose Python already has the pinned torch and
# triton (a GPU node's system Python, say): it installs the other dependencies from a local
# wheelhouse into /tmp/site and gives tools/venv.sh a .venv that is that Python, so recipes and
# tools run as they do on a workstation.
#
#   source tools/offline_env.sh [WHEEL_DIR]      (default: .whl/ at the repository root)
#
# Make the wheelhouse on a machine with internet, e.g.
#   pip download --no-deps -d .whl lhotse==1.33.0 jiwer omegaconf sentencepiece ...
_sigasr_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
_sigasr_wheels="${1:-$_sigasr_root/.whl}"
if ! compgen -G "$_sigasr_wheels/*.whl" >/dev/null; then
    echo "[sigasr] no wheels in $_sigasr_wheels" >&2
    unset _sigasr_root _sigasr_wheels
    return 1
fi
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
    --target /tmp/site "$_sigasr_wheels"/*.whl || return 1
export PYTHONPATH="/tmp/site:$_sigasr_root:$_sigasr_root/kernels${PYTHONPATH:+:$PYTHONPATH}"
mkdir -p "$_sigasr_root/.venv/bin"
# Wrappers, not links: a linked venv python would not find its own site-packages.
printf '#!/bin/sh\nexec python3 "$@"\n' >"$_sigasr_root/.venv/bin/python"
printf '#!/bin/sh\nexec python3 -m sigasr "$@"\n' >"$_sigasr_root/.venv/bin/sigasr"
chmod +x "$_sigasr_root/.venv/bin/python" "$_sigasr_root/.venv/bin/sigasr"
touch "$_sigasr_root/.venv/.sigasr-installed"
export PATH="$_sigasr_root/.venv/bin:$PATH"
unset _sigasr_root _sigasr_wheels
