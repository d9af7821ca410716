"""Training-data augmentation, the loader path (`data.augment: loader`: per sample, OpenCV)
against the device path (`data.augment: device`: decoded once, then batched tensor work), side
by side in one run:

* augmented samples per second on one CPU thread (per core), FASSEG training photos read from
  disk, to 256² (generated faces when ../shared is absent): the loader path reads, decodes and
  augments each sample; the device path after its first epoch, when every photo is decoded and
  kept, so only its batched tensor work is left;
* a BiSeNet-R18 training step at 256², batch 8, with device augmentation, against the bare
  forward + backward of the same batch.

    .venv/bin/python benchmarks/augment_speed.py [--shared ../shared] [--samples 64]

Prints the table and writes docs/results/AUGMENT_SPEED.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch
from train_step_speed import seconds_per_step

from faceparse.datasets import open_dataset
from faceparse.datasets.synthetic import synthetic_dataset
from faceparse.imageio import write_text_atomic
from faceparse.jobs.reports import provenance
from faceparse.losses import ParserOutputs, parser_loss
from faceparse.models import build_parser
from faceparse.training.augment import DecodedFaces, DeviceAugment
from faceparse.training.data import AugmentedFaces

ROOT = Path(__file__).resolve().parents[1]
SIZE, BATCH = 256, 8


def samples_per_second(source, count: int, rounds: int) -> tuple[float, float]:
    """(loader path, device path) augmented samples/s on one thread, median of rounds."""
    torch.set_num_threads(1)
    keep = np.ones(len(source), bool)
    loader = AugmentedFaces(source, SIZE, 0, keep, False)
    decoded = DecodedFaces(source, SIZE, 0, keep, with_depth=False)
    augment = DeviceAugment(source[0].space)
    for i in range(len(source)):  # the device path's first epoch: decode and keep
        decoded[(0, i)]
    slots = [(1 + k // len(source), k % len(source)) for k in range(count)]
    old, new = [], []
    for _ in range(rounds):
        start = time.perf_counter()
        for slot in slots:
            loader[slot]
        old.append(count / (time.perf_counter() - start))
        start = time.perf_counter()
        for i in range(0, count, BATCH):
            items = [decoded[slot] for slot in slots[i : i + BATCH]]
            rgb = torch.stack([x["rgb"] for x in items])
            label = torch.stack([x["label"] for x in items])
            augment(rgb, label, torch.stack([x["augment"] for x in items]))
        new.append(count / (time.perf_counter() - start))
    return statistics.median(old), statistics.median(new)


def step_against_bare(steps: int) -> tuple[float, float]:
    """(seconds per training step with device augmentation, seconds per bare forward+backward),
    BiSeNet-R18 at 256², batch 8, the machine's default threads."""
    torch.set_num_threads(os.cpu_count() or 1)
    step = seconds_per_step(
        "bisenet-r18", SIZE, BATCH, steps, ["data.augment=device"], "/tmp/augment-speed"
    )
    net = build_parser("bisenet-r18", 11, 3).train()
    loss = parser_loss({"ce": {"weight": 1.0}})
    x = torch.randn(BATCH, 3, SIZE, SIZE)
    y = torch.randint(0, 11, (BATCH, SIZE, SIZE))
    bare_times = []
    for _ in range(steps):
        start = time.perf_counter()
        logits, aux = net(x, with_aux=True)
        loss(ParserOutputs(logits, y, aux, None, 0))[0].backward()
        bare_times.append(time.perf_counter() - start)
    return step, statistics.median(bare_times[1:])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--samples", type=int, default=64)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--steps", type=int, default=4)
    args = ap.parse_args()
    fasseg = args.shared / "data" / "fasseg"
    if (fasseg / "V2").is_dir():
        # the dataset itself: the loader path reads and decodes each photo every epoch
        source, what = open_dataset("fasseg", fasseg, "train"), "FASSEG V2 train photos"
    else:
        source, what = synthetic_dataset(32, seed=0, size=512, space="lapa"), "generated faces"
    old, new = samples_per_second(source, args.samples, args.rounds)
    step, bare = step_against_bare(args.steps)
    table = "\n".join(
        [
            "| measure | loader path | device path | ratio |",
            "|---|---|---|---|",
            f"| augmented samples/s, one thread | {old:.1f} | {new:.1f} | {new / old:.1f}× |",
            f"| BiSeNet-R18 step, 256², batch 8 (s) | | {step:.2f} | "
            f"{step / bare:.2f}× the bare forward + backward ({bare:.2f} s) |",
        ]
    )
    print(table)
    body = (
        "# Augmentation: loader against device\n\n"
        + provenance("benchmarks/augment_speed.py", sys.argv[1:])
        + f"Samples: {what}, augmented to {SIZE}²; medians of {args.rounds} rounds of "
        f"{args.samples} samples, the two paths taking turns. The device path ran on this CPU "
        f"(no GPU here), in batches of {BATCH}, after its first epoch (photos decoded and "
        f"kept). Step: median of steps 2..{args.steps} on generated faces, then the bare "
        f"forward + backward timed the same way right after it, in the same process.\n\n"
        f"{table}\n"
    )
    write_text_atomic(ROOT / "docs" / "results" / "AUGMENT_SPEED.md", body)


if __name__ == "__main__":
    main()
