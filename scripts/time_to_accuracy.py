"""Time to accuracy, side by side: the relative L2 error against wall time of Ansatz runs
(metrics.jsonl of runs with training.eval_every) and of the JAX reference
(../shared/bench/pinn_jax.py --eval-every N --history FILE), on one log-scale figure.

    python scripts/time_to_accuracy.py --ansatz RUN_DIR LABEL [--ansatz ...] \
        --jax HISTORY.json LABEL [--jax ...] --out FIGURE.png [--target 1e-3]

Prints, for each trace, the first wall time at which the error reached --target.
"""
import argparse
import json

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt


def ansatz_trace(run_dir):
    points = []
    with open(f"{run_dir}/metrics.jsonl") as f:
        for line in f:
            r = json.loads(line)
            if "relative_l2" in r:
                points.append((r["wall_s"], max(r["relative_l2"].values())))
    return points


def jax_trace(path):
    with open(path) as f:
        history = json.load(f)["history"]
    return [(r["wall_s"], r["rel_l2"]) for r in history]


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--ansatz", nargs=2, action="append", default=[], metavar=("RUN_DIR", "LABEL"))
    p.add_argument("--jax", nargs=2, action="append", default=[], metavar=("HISTORY", "LABEL"))
    p.add_argument("--out", required=True)
    p.add_argument("--target", type=float, default=1e-3)
    a = p.parse_args()
    traces = [(label, ansatz_trace(d)) for d, label in a.ansatz]
    traces += [(label, jax_trace(h)) for h, label in a.jax]
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for label, points in traces:
        t, e = zip(*[(t, e) for t, e in points if t > 0 or e > 0])
        ax.semilogy(t, e, marker=".", label=label)
        reached = next((t for t, e in points if e <= a.target), None)
        print(f"{label}: error <= {a.target:g} " + (f"at {reached:.1f} s" if reached is not None
              else f"never (best {min(e for _, e in points):.3g} in {points[-1][0]:.1f} s)"))
    ax.axhline(a.target, color="gray", lw=0.8, ls="--")
    ax.set_xlabel("wall time [s]")
    ax.set_ylabel("relative L2 error")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(a.out, dpi=120)


if __name__ == "__main__":
    main()
