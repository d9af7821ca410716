"""Seconds per training step of the RGB parsers under each precision/layout option on this CPU,
side by side in one run; writes docs/results/TRAIN_SPEED.md. (Why `precision: auto` is fp32 on CPU.)

    .venv/bin/python benchmarks/train_step_speed.py [--steps 4]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

from faceparse.imageio import write_text_atomic
from faceparse.jobs.reports import provenance
from faceparse.training.config import load_config
from faceparse.training.trainer import Trainer

ROOT = Path(__file__).parents[1]
OPTIONS = {
    "fp32": ["precision=fp32"],
    "fp32 + channels_last": ["precision=fp32", "channels_last=true"],
    "bf16 autocast + channels_last": ["precision=bf16", "channels_last=true"],
}


def seconds_per_step(parser: str, size: int, batch: int, steps: int, options, out) -> float:
    cfg = load_config(
        None,
        [
            f"model.parser={parser}",
            f"data.size={size}",
            "data.synthetic_count=16",
            f"optim.batch_size={batch}",
            f"optim.steps={steps}",
            f"out={out}",
            *options,
        ],
    )
    trainer = Trainer(cfg)
    batches = list(trainer.loader(0, steps))
    times = []
    for b in batches:
        t = time.perf_counter()
        trainer.train_step(b)
        times.append(time.perf_counter() - t)
    return statistics.median(times[1:])  # the first step pays for allocation


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=4)
    ap.add_argument("--size", type=int, default=256)
    ap.add_argument("--batch", type=int, default=8)
    args = ap.parse_args()
    lines = ["| parser | " + " | ".join(OPTIONS) + " |", "|---|" + "---:|" * len(OPTIONS)]
    for parser in ("bisenet-r18", "bisenet-light", "student"):
        seconds = [
            seconds_per_step(parser, args.size, args.batch, args.steps, o, "/tmp/step-speed")
            for o in OPTIONS.values()
        ]
        cells = [f"{s:.2f} s" for s in seconds]
        lines.append(f"| {parser} | " + " | ".join(cells) + " |")
    table = "\n".join(lines)
    print(table)
    stamp = provenance("benchmarks/train_step_speed.py", sys.argv[1:]) + (
        f"One training step (forward, backward, AdamW) of an RGB parser on generated faces, "
        f"batch {args.batch} at {args.size}²; median of steps 2..{args.steps}."
    )
    write_text_atomic(
        ROOT / "docs" / "results" / "TRAIN_SPEED.md",
        f"# Training step time on CPU\n\n{stamp}\n\n{table}\n",
    )


if __name__ == "__main__":
    main()
