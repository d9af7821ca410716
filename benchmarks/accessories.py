"""Accessories, and the classes made from the head fit and the teacher: each kind of synthetic
accessory (glasses, sunglasses, hats, earrings, necklaces; `faceparse.datasets.accessories`)
drawn on every Celeb1k val crop that has the parts it is placed by, from the check set's own
seed (`faceparse.jobs.accessory_check.CHECK_SEED`); the F1 of its class (eye_g, hat, ear_r,
neck_l) over the set, per parser. The crops are the validation split of the 19-class training
data (`faceparse data celebamask-labels`), never
trained on; the parser sees the crop as it is (no detection). On the same crops without
accessories, the F1 of ears, neck and cloth against their made labels (head fit + teacher, not
hand labels: agreement with the labelling rule, not accuracy).

    .venv/bin/python benchmarks/accessories.py [--data runs/default-data-19]
        [--parser NAME=FILE[@BACKEND] ...] [--montage runs/accessories.png]

Prints the table and writes docs/results/ACCESSORIES.md.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import cv2
import numpy as np

from faceparse.datasets import FolderDataset
from faceparse.datasets.accessories import CLASS_OF, KINDS
from faceparse.jobs.accessory_check import CHECK_SEED, accessory_scores, check_set
from faceparse.jobs.reports import publish, table_head
from faceparse.labels import CELEBAMASK_HQ
from faceparse.metrics import ParsingEvaluator
from faceparse.models.files import shipped
from faceparse.parsing.catalog import DEFAULT_RGB
from faceparse.parsing.crop_parsers import NetworkCropModel, load_parser_runner
from faceparse.visualize import overlay


def predictor(path: Path, backend: str = "auto"):
    model = NetworkCropModel(load_parser_runner(path, "rgb", backend))
    return lambda crops: np.stack([scores.labels for scores in model.predict(crops)])


MADE_CLASSES = ("l_ear", "r_ear", "neck", "cloth")
GRID_STRIDES = (4, 2)  # the parsers' output stride, and one finer


def on_grid(labels: np.ndarray, cls: int, stride: int) -> np.ndarray:
    """Labels holding only class `cls`, as a perfect classifier working on a grid of `stride`
    would draw it: each cell gets the class's share of its pixels, upsampled bilinearly (as the
    parsers' logits are) and cut at one half."""
    side = labels.shape[0] // stride
    share = cv2.resize(
        (labels == cls).astype(np.float32), (side, side), interpolation=cv2.INTER_AREA
    )
    drawn = cv2.resize(share, labels.shape[::-1], interpolation=cv2.INTER_LINEAR) > 0.5
    return np.where(drawn, cls, 0).astype(np.uint8)


def grid_ceiling(crops, stride: int) -> dict[str, dict]:
    """`accessory_scores` of `on_grid`'s labels for every check crop's accessory."""
    cls = {kind: CELEBAMASK_HQ.index(CLASS_OF[kind]) for kind in KINDS}
    drawn = iter([on_grid(c.labels, cls[c.kind], stride) for c in crops])
    return accessory_scores(lambda images: np.stack([next(drawn) for _ in images]), crops)


def made_class_f1(predict, samples) -> dict[str, float]:
    ev = ParsingEvaluator(CELEBAMASK_HQ)
    for i in range(0, len(samples), 16):
        batch = samples[i : i + 16]
        for (_, _, labels), pred in zip(
            batch, predict(np.stack([s[1] for s in batch])), strict=True
        ):
            ev.update(pred, labels)
    f1 = dict(zip(CELEBAMASK_HQ.classes, ev.compute().per_class_f1, strict=True))
    return {c: f1[c] for c in MADE_CLASSES}


def write_montage(path: Path, crops, predict, per_kind: int = 3) -> None:
    """Crop | true labels | predicted labels, `per_kind` rows of each kind."""
    rows = []
    for kind in KINDS:
        chosen = [c for c in crops if c.kind == kind][:per_kind]
        predicted = predict(np.stack([c.image for c in chosen]))
        for c, p in zip(chosen, predicted, strict=True):
            truth = overlay(c.image, c.labels, CELEBAMASK_HQ)
            rows.append(np.hstack([c.image, truth, overlay(c.image, p, CELEBAMASK_HQ)]))
    grid = [np.hstack(rows[i : i + 3]) for i in range(0, len(rows) - 2, 3)]
    cv2.imwrite(str(path), cv2.cvtColor(np.vstack(grid), cv2.COLOR_RGB2BGR))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=Path("runs/default-data-19"))
    ap.add_argument(
        "--parser", action="append", default=[], help="NAME=parser.safetensors[@BACKEND]"
    )
    ap.add_argument("--montage", type=Path, help="write examples with predictions here")
    args = ap.parse_args()
    # (file, backend) by row name: NAME=FILE runs FILE as FaceParser does ("auto": its int8 copy
    # where there is one and the CPU has int8 dot products), NAME=FILE@BACKEND on BACKEND
    parsers = {}
    for item in args.parser or [f"default={shipped(DEFAULT_RGB)}"]:
        name, spec = item.split("=", 1)
        path, _, backend = spec.partition("@")
        parsers[name] = (path, backend or "auto")
    val = FolderDataset(args.data, "val", space=CELEBAMASK_HQ)
    samples = [(s.name, s.image, s.label) for s in (val[i] for i in range(len(val)))]
    crops = check_set(samples)
    lines = table_head("parser", *(f"{k} ({CLASS_OF[k]}) F1" for k in KINDS))
    detail = table_head("parser", "kind", "faces", "F1", "precision", "recall")
    made = table_head("parser", *(f"{c} F1" for c in MADE_CLASSES))
    for name, (path, backend) in parsers.items():
        predict = predictor(Path(path), backend)
        scores = accessory_scores(predict, crops)
        lines.append(f"| {name} | " + " | ".join(f"{scores[k]['f1']:.3f}" for k in KINDS) + " |")
        for k in KINDS:
            s = scores[k]
            detail.append(
                f"| {name} | {k} | {s['faces']} | {s['f1']:.3f} | {s['precision']:.3f} "
                f"| {s['recall']:.3f} |"
            )
        made_f1 = made_class_f1(predict, samples)
        made.append(f"| {name} | " + " | ".join(f"{made_f1[c]:.3f}" for c in MADE_CLASSES) + " |")
        if args.montage:
            write_montage(args.montage, crops, predict)
    ceiling = table_head("output grid", *(f"{k} F1" for k in KINDS))
    for stride in GRID_STRIDES:
        scores = grid_ceiling(crops, stride)
        cells = " | ".join(f"{scores[k]['f1']:.3f}" for k in KINDS)
        ceiling.append(f"| stride {stride}{' (the parsers)' if stride == 4 else ''} | {cells} |")
    publish(
        Path("docs/results/ACCESSORIES.md"),
        "# Accessories: measured",
        "\n".join(
            [
                *lines,
                "",
                *detail,
                "",
                "The same crops without accessories, against their made labels:",
                "",
                *made,
                "",
                "What a perfect classifier on a coarser grid could score on the check set "
                "(`on_grid`: each cell gets the accessory's share of its pixels, upsampled "
                "bilinearly and cut at one half):",
                "",
                *ceiling,
            ]
        ),
        "benchmarks/accessories.py",
        sys.argv[1:],
        f"{len(samples)} Celeb1k val crops of {args.data}, check-set seed {CHECK_SEED}; F1 "
        "summed over the pixels of the crops that got each kind.",
    )


if __name__ == "__main__":
    main()
