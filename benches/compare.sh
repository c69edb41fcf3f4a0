#!/usr/bin/env bash
# Side-by-side speed of one Burgers training step (tanh MLP 4x50, 10,000 + 256 + 256 points):
# Ansatz (criterion bench `pinn_step`), the JAX reference (hand-written Taylor mode, jemalloc)
# and DeepXDE/TensorFlow from ../shared/bench, interleaved per configuration in one sitting.
# Set-up of the reference stacks: see ../shared/bench/README.md. Prints a markdown table.
set -euo pipefail
cd "$(dirname "$0")/.."
bench=${SHARED_BENCH:-../shared/bench}
jax=${JAX_PYTHON:-/tmp/bench-venv/bin/python}
dde=${DDE_PYTHON:-/tmp/dde-venv/bin/python}
out=$(mktemp -d)
cargo bench -p benches --bench pinn_step --no-run >/dev/null 2>&1
for dtype in f32 f64; do
  for threads in 1 2; do
    cargo bench -p benches --bench pinn_step -- --warm-up-time 2 --measurement-time 8 "burgers_step/${dtype}_${threads}thread\$" >/dev/null 2>&1
    python3 -c "import json;print(1e9/json.load(open('${CARGO_TARGET_DIR:-target}/criterion/burgers_step/${dtype}_${threads}thread/new/estimates.json'))['median']['point_estimate'])" > "$out/ansatz_${dtype}_${threads}"
    (cd "$bench" && ALLOC=jemalloc && . ./alloc_env.sh && "$jax" pinn_jax.py --problem burgers --hidden 4x50 --dtype "$dtype" \
        --threads "$threads" --deriv manual --stack 1 --bench-steps 100 --bench-windows 5 2>/dev/null | tail -1) > "$out/jax_${dtype}_${threads}"
    (cd "$bench" && DDE_BACKEND=tensorflow "$dde" pinn_deepxde.py --hidden 4x50 --dtype "$dtype" --threads "$threads" \
        --num-domain 10000 --num-boundary 256 --num-initial 256 --bench-iters 200 2>/dev/null | tail -1) > "$out/dde_${dtype}_${threads}"
  done
done
python3 - "$out" <<'PY'
import json, sys, os
d = sys.argv[1]
def sps(name):
    text = open(os.path.join(d, name)).read().strip()
    try:
        return float(text)
    except ValueError:
        try:
            j = json.loads(text)
            return j.get("steps_per_s_median", j.get("iters_per_s_median"))
        except Exception:
            return float("nan")
cfgs = [("f32", 1), ("f32", 2), ("f64", 1), ("f64", 2)]
rows = {s: [sps(f"{s}_{t}_{n}") for t, n in cfgs] for s in ("ansatz", "jax", "dde")}
print("| stack | " + " | ".join(f"{t} {n} thread{'s' if n > 1 else ''}" for t, n in cfgs) + " |")
print("|---|" + "---|" * len(cfgs))
for s, label in (("ansatz", "Ansatz"), ("jax", "JAX + jemalloc (Taylor mode by hand)"), ("dde", "DeepXDE / TensorFlow")):
    print(f"| {label} | " + " | ".join(f"{v:.1f}" for v in rows[s]) + " |")
best = [max(j, x) for j, x in zip(rows["jax"], rows["dde"])]
print("| Ansatz / best other | " + " | ".join(f"{a / b:.2f}x" for a, b in zip(rows["ansatz"], best)) + " |")
PY
