"""FASSEG cross-domain mutual-learning experiment: rows RGB-only, depth-only, mutual, mutual +
translation, scarce depth labels (10%); 3 seeds each, same budget; scored on V2 test. Prints a
table and writes docs/results/MUTUAL_LEARNING.md. Resumable: a finished (row, seed) is not
trained again.

    .venv/bin/faceparse depth make -d fasseg --root ../shared/data/fasseg -o runs/fasseg-d \\
        --model-dir ../shared/models --backend head --hair predicted --subsets V2,V3 --workers 2
    .venv/bin/python benchmarks/fasseg_mutual.py [--seeds 0 1 2] [--set optim.steps=150]
        [--rows rgb depth mutual mutual_correct mutual_translate scarce_depth mutual_rampup]

Runs go seed by seed, so a grid cut short still has every row for the seeds it finished.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
from pathlib import Path

import numpy as np
import torch
from fasseg_runs import ROOT, mean_std, train_and_score

from faceparse.datasets import open_dataset
from faceparse.jobs.reports import write_section
from faceparse.training.config import load_config

# (row label, config, model in the checkpoint, modality it is tested on)
ROWS = [
    ("RGB only", "rgb", "rgb", "rgb"),
    ("depth only", "depth", "depth", "depth"),
    ("mutual: RGB parser", "mutual", "rgb", "rgb"),
    ("mutual: depth parser", "mutual", "depth", "depth"),
    ("mutual, KL ramped in over 100 steps: RGB parser", "mutual_rampup", "rgb", "rgb"),
    ("mutual, KL ramped in over 100 steps: depth parser", "mutual_rampup", "depth", "depth"),
    ("mutual, KL only where the partner is right: RGB parser", "mutual_correct", "rgb", "rgb"),
    (
        "mutual, KL only where the partner is right: depth parser",
        "mutual_correct",
        "depth",
        "depth",
    ),
    (
        "mutual, RGB learns from depth on the classes depth sees: RGB parser",
        "mutual_classaware",
        "rgb",
        "rgb",
    ),
    (
        "mutual, RGB learns from depth on the classes depth sees: depth parser",
        "mutual_classaware",
        "depth",
        "depth",
    ),
    ("mutual, class-aware and confidence-weighted: RGB parser", "mutual_confidence", "rgb", "rgb"),
    (
        "mutual, class-aware and confidence-weighted: depth parser",
        "mutual_confidence",
        "depth",
        "depth",
    ),
    ("mutual on depth with recessed eyes and lips: RGB parser", "mutual_recessed", "rgb", "rgb"),
    (
        "mutual on depth with recessed eyes and lips: depth parser",
        "mutual_recessed",
        "depth",
        "depth",
    ),
    ("mutual-translate: RGB parser", "mutual_translate", "rgb", "rgb"),
    ("mutual-translate: depth parser", "mutual_translate", "depth", "depth"),
    ("mutual-translate: translated depth", "mutual_translate", "depth", "translated"),
    ("scarce depth (10% labelled): depth parser", "scarce_depth", "depth", "depth"),
    ("scarce depth (10% labelled): translated depth", "scarce_depth", "depth", "translated"),
    ("scarce depth (25% labelled): depth parser", "scarce_depth_25", "depth", "depth"),
    ("scarce depth (25% labelled): translated depth", "scarce_depth_25", "depth", "translated"),
]


# The rows and mutual_correct (a fix tried for what mutual learning does to the eyes);
# mutual_rampup is a follow-up from the 150-step grid.
DEFAULT_CONFIGS = ["rgb", "depth", "mutual", "mutual_correct", "mutual_translate", "scarce_depth"]


def results_table(rows, results: dict, seeds: list[int], classes) -> str:
    """The markdown table: a line per row, mean ± std over seeds."""
    head = (
        "| row | mean F1 | pixel accuracy | mean fragmentation | "
        + " | ".join(f"F1 {c}" for c in classes)
        + " | depth L1 / RMSE | train min |"
    )
    lines = [head, "|---" * (head.count("|") - 1) + "|"]
    for label, name, model, modality in rows:
        runs = [results[(name, s)][f"{model}/{modality}"] for s in seeds]
        minutes = [results[(name, s)]["train_seconds"] / 60 for s in seeds]
        per_class = [
            mean_std([r["per_class_f1"][i + 1] for r in runs]) for i in range(len(classes))
        ]
        depth_err = (
            f"{np.mean([r['depth_l1'] for r in runs]):.1f} / "
            f"{np.mean([r['depth_rmse'] for r in runs]):.1f}"
            if "depth_l1" in runs[0]
            else ""
        )
        lines.append(
            f"| {label} | {mean_std([r['mean_f1'] for r in runs])} "
            f"| {mean_std([r['pixel_accuracy'] for r in runs], 2, 100)}% "
            f"| {mean_std([r['mean_fragmentation'] for r in runs], 2)} | "
            + " | ".join(per_class)
            + f" | {depth_err} | {np.median(minutes):.1f} |"
        )
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--rows", nargs="+", default=DEFAULT_CONFIGS, help="configs/fasseg names")
    ap.add_argument("--set", dest="overrides", action="append", default=[])
    ap.add_argument("--fasseg", default=str(ROOT.parent / "shared" / "data" / "fasseg"))
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "results" / "MUTUAL_LEARNING.md")
    args = ap.parse_args()
    torch.set_num_threads(os.cpu_count() or 1)
    overrides = [f"data.root={args.fasseg}", *args.overrides]
    test = open_dataset("fasseg", args.fasseg, "test", depth=ROOT / "runs" / "fasseg-d")
    test_samples = [test[i] for i in range(len(test))]
    rows = [r for r in ROWS if r[1] in args.rows]
    results = {}
    for seed in args.seeds:
        for name in dict.fromkeys(r[1] for r in rows):
            evaluations = [(model, modality) for _, n, model, modality in ROWS if n == name]
            results[(name, seed)] = train_and_score(
                name, seed, overrides, test_samples, evaluations
            )
            print(f"done {name} seed {seed}", flush=True)

    table = results_table(rows, results, args.seeds, test.space.classes[1:])
    print(table)
    cfg = load_config(ROOT / "configs" / "fasseg" / "rgb.yaml", overrides)
    start = (
        "ImageNet-initialised encoder" if cfg.model.parser == "student-lite0" else "from scratch"
    )
    stamp = (
        f"Command: `.venv/bin/python benchmarks/fasseg_mutual.py --seeds "
        f"{' '.join(map(str, args.seeds))}"
        + (f" --rows {' '.join(args.rows)}" if args.rows != DEFAULT_CONFIGS else "")
        + "".join(f" --set {o}" for o in args.overrides)
        + f"` (after the `faceparse depth make` line in its docstring). Machine: "
        f"{platform.machine()}, {os.cpu_count()} cores, CPU only, torch {torch.__version__}. "
        f"Date: {datetime.date.today()}. Budget per row and seed: {cfg.optim.steps} steps × "
        f"batch {cfg.optim.batch_size} at {cfg.data.size}², parser {cfg.model.parser}, "
        f"{start}. Test: FASSEG V2 test ({len(test_samples)} images) at label resolution; "
        f"mean ± std over seeds {args.seeds}."
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    marker = "<!-- table written by benchmarks/fasseg_mutual.py -->"
    write_section(args.out, marker, f"{stamp}\n\n{table}")
    print(stamp)


if __name__ == "__main__":
    main()
