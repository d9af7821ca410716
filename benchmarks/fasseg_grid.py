"""The FASSEG mutual-learning grid on one machine with every (row, seed) in its own process at
once — the script for a GPU session (issue #16); on a CPU, benchmarks/fasseg_mutual.py runs the
same grid one run after another and resumes.

1. Smoke: every row trains 2 steps and is evaluated, all in parallel; if any fails, the script
   stops there (exit 1) and prints what failed.
2. Grid: rows × seeds in parallel, each with `--device` and device augmentation.
3. One JSON of every score (`--json`) and the table, into docs/results/MUTUAL_LEARNING.md.

    .venv/bin/faceparse depth make -d fasseg --root ../shared/data/fasseg -o runs/fasseg-d \\
        --model-dir ../shared/models --backend head --hair predicted --subsets V2,V3 --workers 2
    python benchmarks/fasseg_grid.py --device cuda --set optim.steps=1500 --json grid.json

Finished runs are cached beside their checkpoints (benchmarks/fasseg_runs.py), so a rerun only
trains what is missing.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from fasseg_mutual import DEFAULT_CONFIGS, ROWS, results_table
from fasseg_runs import ROOT, train_and_score

from faceparse.datasets import open_dataset
from faceparse.jobs.reports import write_section
from faceparse.jobs.speed import machine_line
from faceparse.training.config import load_config


def test_samples(fasseg: str, depth: str = "runs/fasseg-d"):
    test = open_dataset("fasseg", fasseg, "test", depth=ROOT / depth)
    return test, [test[i] for i in range(len(test))]


def run_one(name: str, seed: int, overrides: list[str], fasseg: str) -> dict:
    """Train and score one (row, seed), tested with the row's kind of depth, on the device the
    run trained on."""
    row_depth = load_config(ROOT / "configs" / "fasseg" / f"{name}.yaml").data.depth
    _, samples = test_samples(fasseg, row_depth or "runs/fasseg-d")
    evaluations = [(model, modality) for _, n, model, modality in ROWS if n == name]
    return train_and_score(name, seed, overrides, samples, evaluations)


def in_parallel(jobs: list[tuple[str, int]], overrides: list[str], fasseg: str, log: Path):
    """Each job in its own process, all at once; returns {job: exit code}."""
    log.mkdir(parents=True, exist_ok=True)
    procs = {}
    for name, seed in jobs:
        args = [sys.executable, __file__, "--worker", name, str(seed), "--fasseg", fasseg]
        args += [a for o in overrides for a in ("--set", o)]
        out = open(log / f"{name}-s{seed}.log", "w")  # noqa: SIM115 (closed below)
        procs[(name, seed)] = (subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT), out)
    codes = {}
    for job, (proc, out) in procs.items():
        codes[job] = proc.wait()
        out.close()
    return codes


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--rows", nargs="+", default=DEFAULT_CONFIGS, help="configs/fasseg names")
    ap.add_argument("--set", dest="overrides", action="append", default=[])
    ap.add_argument("--device", default="auto")
    ap.add_argument("--fasseg", default=str(ROOT.parent / "shared" / "data" / "fasseg"))
    ap.add_argument("--json", type=Path, help="write every score here")
    ap.add_argument("--doc", type=Path, default=ROOT / "docs" / "results" / "MUTUAL_LEARNING.md")
    ap.add_argument("--smoke-only", action="store_true")
    ap.add_argument("--worker", nargs=2, metavar=("ROW", "SEED"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    overrides = [
        f"data.root={args.fasseg}",
        f"device={args.device}",
        "data.augment=device",
        *args.overrides,
    ]
    if args.worker:
        name, seed = args.worker[0], int(args.worker[1])
        print(json.dumps(run_one(name, seed, args.overrides, args.fasseg)), flush=True)
        return

    start = time.perf_counter()
    smoke = [*overrides, "optim.steps=2", "optim.warmup_steps=0", "eval_every=2"]
    codes = in_parallel([(r, 0) for r in args.rows], smoke, args.fasseg, ROOT / "runs" / "smoke")
    failed = [f"{n} (runs/smoke/{n}-s{s}.log)" for (n, s), c in codes.items() if c]
    smoke_seconds = time.perf_counter() - start
    print(f"smoke: {len(codes) - len(failed)}/{len(codes)} rows ok in {smoke_seconds:.0f} s")
    if failed:
        sys.exit("smoke failed: " + ", ".join(failed))
    if args.smoke_only:
        return

    jobs = [(r, s) for s in args.seeds for r in args.rows]
    codes = in_parallel(jobs, overrides, args.fasseg, ROOT / "runs" / "grid-logs")
    failed = [f"{n} seed {s}" for (n, s), c in codes.items() if c]
    if failed:
        sys.exit("runs failed: " + ", ".join(failed) + " (logs in runs/grid-logs)")
    results = {job: run_one(*job, overrides, args.fasseg) for job in jobs}  # cached: no training
    grid_seconds = time.perf_counter() - start
    test, _ = test_samples(args.fasseg)
    rows = [r for r in ROWS if r[1] in args.rows]
    table = results_table(rows, results, args.seeds, test.space.classes[1:])
    print(table)
    if args.json:
        record = {
            "command": " ".join(sys.argv),
            "machine": machine_line(),
            "date": str(datetime.date.today()),
            "smoke_seconds": smoke_seconds,
            "grid_seconds": grid_seconds,
            "runs": {f"{n}/seed{s}": r for (n, s), r in results.items()},
        }
        args.json.write_text(json.dumps(record, indent=2))
    stamp = (
        f"Command: `python benchmarks/fasseg_grid.py {' '.join(sys.argv[1:])}`. Machine: "
        f"{machine_line()}. Date: {datetime.date.today()}. All {len(jobs)} runs at once on one "
        f"machine, {grid_seconds / 60:.1f} min in all (smoke included); mean ± std over seeds "
        f"{args.seeds}; FASSEG V2 test at label resolution."
    )
    marker = "<!-- table written by benchmarks/fasseg_grid.py -->"
    write_section(args.doc, marker, f"{stamp}\n\n{table}")


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
