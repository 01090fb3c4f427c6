#!/usr/bin/env bash
# Builds KenLM's n-gram estimator `lmplz` and `build_binary` from the kenlm source
# distribution on PyPI (pinned version and SHA-256) into PREFIX/bin.
#
#   bash tools/build_kenlm.sh [PREFIX]      (default PREFIX: ${XDG_CACHE_HOME:-~/.cache}/sigasr/kenlm)
#
# A finished build is reused: the script exits at once when PREFIX/bin holds both programs of
# the pinned version, so every clone and test run on a machine shares one build. Missing
# Debian build dependencies (a C++ compiler, cmake, Boost, zlib) are installed with apt-get,
# which needs root. sigasr looks for the programs on PATH, then in the default PREFIX/bin.
set -euo pipefail

KENLM_VERSION=0.3.0
KENLM_SHA256=c4628bb9fb63c8a6f9240035b8b037385cfc404cb72e933cf48878291edac1e8
DEBIAN_DEPS=(g++ make cmake libboost-program-options-dev libboost-system-dev
    libboost-thread-dev libboost-test-dev zlib1g-dev)

prefix="$(realpath -m "${1:-${XDG_CACHE_HOME:-$HOME/.cache}/sigasr/kenlm}")"
stamp="$prefix/bin/.kenlm-$KENLM_VERSION"
if [ -f "$stamp" ] && [ -x "$prefix/bin/lmplz" ] && [ -x "$prefix/bin/build_binary" ]; then
    echo "[build_kenlm] KenLM $KENLM_VERSION already built in $prefix/bin"
    exit 0
fi
start=$SECONDS
mkdir -p "$prefix"

missing=()
for pkg in "${DEBIAN_DEPS[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" \
        || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "[build_kenlm] installing Debian packages: ${missing[*]}"
    if [ "$(id -u)" -ne 0 ]; then
        echo "[build_kenlm] error: not root; install them first: apt-get install ${missing[*]}" >&2
        exit 1
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get -o DPkg::Lock::Timeout=600 update -qq
    apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" \
        >"$prefix/apt.log" 2>&1 || { tail -n 30 "$prefix/apt.log" >&2; exit 1; }
fi

src="$prefix/src"
mkdir -p "$src"
tarball="$src/kenlm-$KENLM_VERSION.tar.gz"
if ! echo "$KENLM_SHA256  $tarball" | sha256sum -c --status 2>/dev/null; then
    echo "[build_kenlm] fetching the kenlm $KENLM_VERSION source distribution from PyPI"
    python3 -m pip download --quiet --no-deps --no-binary kenlm "kenlm==$KENLM_VERSION" -d "$src"
    echo "$KENLM_SHA256  $tarball" | sha256sum -c --quiet \
        || { echo "[build_kenlm] error: $tarball: SHA-256 mismatch" >&2; exit 1; }
fi
rm -rf "$src/kenlm-$KENLM_VERSION" "$prefix/cmake"
tar -xzf "$tarball" -C "$src"

echo "[build_kenlm] building lmplz and build_binary with $(nproc) jobs"
cmake -S "$src/kenlm-$KENLM_VERSION" -B "$prefix/cmake" -DCMAKE_BUILD_TYPE=Release \
    -DKENLM_MAX_ORDER=6 -DCOMPILE_TESTS=OFF -DENABLE_PYTHON=OFF -DENABLE_INTERPOLATE=OFF \
    >"$prefix/cmake.log" 2>&1 || { tail -n 30 "$prefix/cmake.log" >&2; exit 1; }
cmake --build "$prefix/cmake" --target lmplz build_binary -j "$(nproc)" \
    >"$prefix/build.log" 2>&1 || { tail -n 30 "$prefix/build.log" >&2; exit 1; }

mkdir -p "$prefix/bin"
install -m 755 "$prefix/cmake/bin/lmplz" "$prefix/cmake/bin/build_binary" "$prefix/bin/"
rm -rf "$prefix/cmake" "$src/kenlm-$KENLM_VERSION"
touch "$stamp"
echo "[build_kenlm] done in $((SECONDS - start)) s: $prefix/bin/lmplz, $prefix/bin/build_binary"
