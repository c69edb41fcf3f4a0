#!/usr/bin/env bash
# Installs what Ansatz needs on a fresh Debian machine (idempotent): the HDF5 C library
# for the hdf5 crate, pkg-config to find it, and a Rust toolchain if none is present.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
missing=""
for pkg in libhdf5-dev pkg-config; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing="$missing $pkg"
done
if [ -n "$missing" ]; then
    echo "setup: installing$missing"
    $sudo apt-get update -q
    $sudo apt-get install -y -q $missing
fi
if ! command -v cargo >/dev/null 2>&1; then
    echo "setup: installing a Rust toolchain with rustup"
    curl -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal
fi
echo "setup: ok"
