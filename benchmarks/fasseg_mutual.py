"""FASSEG cross-domain mutual-learning experiment: rows RGB-only, depth-only, mutual, mutual +
translation, scarce depth labels (10%); 3 seeds each, same budget; scored on V2 test. Prints a
table and writes docs/RESULTS.md. Resumable: a finished (row, seed) is not trained again.

    .venv/bin/faceparse depth make -d fasseg --root ../shared/data/fasseg -o runs/fasseg-d \\
        --backend head --hair predicted --subsets V2,V3 --workers 2
    .venv/bin/python benchmarks/fasseg_mutual.py [--seeds 0 1 2] [--set optim.steps=150]
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import time
from pathlib import Path

import numpy as np
import torch

from faceparse.datasets import open_dataset
from faceparse.training.config import load_config
from faceparse.training.evaluate import evaluate
from faceparse.training.trainer import Trainer

ROOT = Path(__file__).parents[1]
# (row label, config, model in the checkpoint, modality it is tested on)
ROWS = [
    ("RGB only", "rgb", "rgb", "rgb"),
    ("depth only", "depth", "depth", "depth"),
    ("mutual: RGB parser", "mutual", "rgb", "rgb"),
    ("mutual: depth parser", "mutual", "depth", "depth"),
    ("mutual-translate: RGB parser", "mutual_translate", "rgb", "rgb"),
    ("mutual-translate: depth parser", "mutual_translate", "depth", "depth"),
    ("mutual-translate: translated depth", "mutual_translate", "depth", "translated"),
    ("scarce depth (10% labelled): depth parser", "scarce_depth", "depth", "depth"),
    ("scarce depth (10% labelled): translated depth", "scarce_depth", "depth", "translated"),
]


def run(config_name: str, seed: int, overrides: list[str], test_samples) -> dict:
    """Train one (config, seed) unless finished, then score each of its rows; cached as JSON."""
    cfg = load_config(
        ROOT / "configs" / "fasseg" / f"{config_name}.yaml",
        [*overrides, f"seed={seed}", f"out=runs/fasseg/{config_name}-s{seed}"],
    )
    result_file = Path(cfg.out) / "test_scores.json"
    if result_file.is_file():
        cached = json.loads(result_file.read_text())
        if cached.get("config") == cfg.to_dict():
            return cached
        raise SystemExit(f"{result_file}: made with another config; delete {cfg.out} to redo it")
    resume = (Path(cfg.out) / "last.pt").is_file()
    trainer = Trainer(cfg, resume=resume)
    t0 = time.perf_counter()
    trainer.fit()
    seconds = time.perf_counter() - t0
    scores = {"train_seconds": seconds, "config": cfg.to_dict()}
    for _, name, model, modality in ROWS:
        if name != config_name:
            continue
        s, err = evaluate(
            test_samples,
            modality,
            cfg.data.size,
            trainer.models[model],
            trainer.models.get("translator"),
        )
        scores[f"{model}/{modality}"] = {**s.to_dict(), **(err.to_dict() if err else {})}
    result_file.write_text(json.dumps(scores))
    return scores


def mean_std(values: list[float], digits: int = 3, scale: float = 1.0) -> str:
    v = np.array(values) * scale
    return f"{v.mean():.{digits}f} ± {v.std(ddof=1) if len(v) > 1 else 0:.{digits}f}"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--set", dest="overrides", action="append", default=[])
    ap.add_argument("--fasseg", default=str(ROOT.parent / "shared" / "data" / "fasseg"))
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "RESULTS.md")
    args = ap.parse_args()
    torch.set_num_threads(os.cpu_count() or 1)
    overrides = [f"data.root={args.fasseg}", *args.overrides]
    test = open_dataset("fasseg", args.fasseg, "test", depth=ROOT / "runs" / "fasseg-d")
    test_samples = [test[i] for i in range(len(test))]
    results = {}
    for name in dict.fromkeys(r[1] for r in ROWS):
        for seed in args.seeds:
            results[(name, seed)] = run(name, seed, overrides, test_samples)
            print(f"done {name} seed {seed}", flush=True)

    classes = test.space.classes[1:]
    head = (
        "| row | mean F1 | pixel accuracy | mean fragmentation | "
        + " | ".join(f"F1 {c}" for c in classes)
        + " | depth L1 / RMSE | train min |"
    )
    lines = [head, "|---" * (head.count("|") - 1) + "|"]
    for label, name, model, modality in ROWS:
        runs = [results[(name, s)][f"{model}/{modality}"] for s in args.seeds]
        minutes = [results[(name, s)]["train_seconds"] / 60 for s in args.seeds]
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
    table = "\n".join(lines)
    print(table)
    cfg = load_config(ROOT / "configs" / "fasseg" / "rgb.yaml", overrides)
    stamp = (
        f"Command: `.venv/bin/python benchmarks/fasseg_mutual.py --seeds "
        f"{' '.join(map(str, args.seeds))}"
        + "".join(f" --set {o}" for o in args.overrides)
        + f"` (after the `faceparse depth make` line in its docstring). Machine: "
        f"{platform.machine()}, {os.cpu_count()} cores, CPU only, torch {torch.__version__}. "
        f"Date: {datetime.date.today()}. Budget per row and seed: {cfg.optim.steps} steps × "
        f"batch {cfg.optim.batch_size} at {cfg.data.size}², parser {cfg.model.parser}, from "
        f"scratch. Test: FASSEG V2 test ({len(test_samples)} images) at label resolution; "
        f"mean ± std over seeds {args.seeds}."
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    marker = "<!-- table written by benchmarks/fasseg_mutual.py -->"
    text = args.out.read_text() if args.out.is_file() else f"# Results\n\n{marker}\n"
    before = text.split(marker)[0]
    args.out.write_text(f"{before}{marker}\n\n{stamp}\n\n{table}\n")
    print(stamp)


if __name__ == "__main__":
    main()
