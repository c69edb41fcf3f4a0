#!/usr/bin/env bash
# Installs what Ansatz needs on a fresh Debian machine (idempotent):
#  - libhdf5-dev + pkg-config for the hdf5 crate, fonts-dejavu-core for plot labels,
#    python3-venv for the read-back tests' environment, slurm-wlm + munge for the SLURM
#    batch test (scripts/slurm-local.sh starts a single-node cluster from them);
#  - a Rust toolchain if none is present;
#  - .venv/ with h5py and vtk, which the tests use to read outputs back as users would.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
missing=""
for pkg in libhdf5-dev pkg-config fonts-dejavu-core python3-venv slurm-wlm munge; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing="$missing $pkg"
done
if [ -n "$missing" ]; then
    echo "setup: installing$missing"
    $sudo apt-get update -q
    $sudo apt-get install -y -q --no-install-recommends $missing
fi
if ! command -v cargo >/dev/null 2>&1; then
    echo "setup: installing a Rust toolchain with rustup"
    curl -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal --component clippy,rustfmt
fi
[ -f "$HOME/.cargo/env" ] && . "$HOME/.cargo/env"
# The lints in CI need clippy and rustfmt beside cargo.
if ! cargo clippy --version >/dev/null 2>&1 || ! cargo fmt --version >/dev/null 2>&1; then
    echo "setup: adding clippy and rustfmt"
    rustup component add clippy rustfmt
fi
if ! .venv/bin/python -c "import h5py, vtk, numpy" >/dev/null 2>&1; then
    echo "setup: creating .venv with h5py, vtk and numpy"
    python3 -m venv .venv
    .venv/bin/pip install -q --upgrade pip
    .venv/bin/pip install -q h5py vtk numpy
fi
echo "setup: ok"
