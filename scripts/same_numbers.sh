#!/usr/bin/env bash
# Prints the final loss and relative L2 errors, to 16 digits, of six short runs (one per
# method and model family), so that a refactoring can show it changed no number:
#   bash scripts/same_numbers.sh > before.txt; (change); bash scripts/same_numbers.sh | diff before.txt -
# Runs on 2 threads; about 5 minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${ANSATZ:-target/release/ansatz}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
run() {
    local name=$1
    shift
    "$bin" run "problems/$name.toml" --out "$out/$name" --threads 2 --quiet "$@" >/dev/null
    python3 - "$name" "$out/$name/summary.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[2]))
loss = s.get("final_loss")
errors = " ".join(f"{k}={v!r}" for k, v in sorted((s.get("relative_l2") or {}).items()))
unknowns = " ".join(f"{k}={v!r}" for k, v in sorted((s.get("unknown_parameters") or {}).items()))
print(f"{sys.argv[1]}: loss={loss!r} l2: {errors} {unknowns}".rstrip())
PY
}
run burgers --set training.adam_steps=200 --set training.lbfgs_steps=50 --set training.collocation=2000
run convection_diffusion --set training.adam_steps=300 --set training.lbfgs_steps=100
run diffusion_sorption --set training.adam_steps=100
run advection_insr --set domain.t=[0.0,0.5] --set method.insr.iterations=50 --set method.insr.initial_iterations=200 --set method.insr.lbfgs_iterations=20
run helmholtz_pig --set training.adam_steps=100 --set training.lbfgs_steps=20
run heat_inverse --set training.adam_steps=500 --set training.lbfgs_steps=100
