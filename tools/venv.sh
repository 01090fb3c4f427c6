# Source this file: it creates or reuses the project's virtual environment at .venv
# and puts it first on PATH. The install is redone only when pyproject.toml changes.
_sigasr_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
_sigasr_venv="$_sigasr_root/.venv"
_sigasr_stamp="$_sigasr_venv/.sigasr-installed"
if [ ! -x "$_sigasr_venv/bin/python" ]; then
    echo "[sigasr] creating virtual environment at $_sigasr_venv" >&2
    python3 -m venv "$_sigasr_venv" || return 1 2>/dev/null || exit 1
fi
if [ ! -f "$_sigasr_stamp" ] || [ "$_sigasr_root/pyproject.toml" -nt "$_sigasr_stamp" ]; then
    echo "[sigasr] installing sigasr and its pinned dependencies into .venv (first run: a few minutes)" >&2
    # torch's CUDA build: 5 GiB installed; 7 GiB at the peak, while pip unpacks the wheels.
    _sigasr_free_kib="$(df -Pk "$_sigasr_venv" | awk 'NR == 2 {print $4}')"
    if [ "${_sigasr_free_kib:-0}" -lt $((8 * 1024 * 1024)) ]; then
        echo "[sigasr] warning: $((_sigasr_free_kib / 1024)) MiB free on the disk of $_sigasr_venv;" \
            "the install needs about 7 GiB at its peak" >&2
    fi
    if "$_sigasr_venv/bin/python" -m pip install --no-cache-dir -e "$_sigasr_root[dev,export]" \
        >"$_sigasr_venv/install.log" 2>&1; then
        touch "$_sigasr_stamp"
    else
        tail -n 30 "$_sigasr_venv/install.log" >&2
        echo "[sigasr] installation failed; full log: $_sigasr_venv/install.log" >&2
        return 1 2>/dev/null || exit 1
    fi
fi
export PATH="$_sigasr_venv/bin:$PATH"
unset _sigasr_root _sigasr_venv _sigasr_stamp _sigasr_free_kib
