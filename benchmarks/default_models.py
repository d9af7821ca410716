"""The shipped parsers and the landmark-geometry parser, end to end through `FaceParser`
(detection, alignment, paste-back at full resolution), on data never used for training:

* FASSEG V2 test (50 photos), predictions mapped 11 -> 6 classes: per-class F1, mean F1, pixel
  accuracy; and the same photos with one synthetic occluder each (fixed seeds; the occluded
  pixels are left out of the score, so it measures how the visible face survives occlusion).
* Celeb1k val (153 photos): hair F1 against the ground-truth hair masks, and hair precision on
  the 9 of them with a hat, hood or headband (`CELEB1K_VAL_HEADWEAR`).
* The default parser with `--flip` (each view also parsed mirrored, and the two averaged), and
  with `--backend onnx` (fp32 where "auto" runs the int8 copy, on CPUs with int8 dot products).
* Speed: seconds per photo on scikit-image's 512² astronaut, median of repeats.
* The shipped files: size and parameters; and how often a face is detected in FASSEG V3's
  multipose photos, per yaw angle (detection does not depend on the parser).

    .venv/bin/python benchmarks/default_models.py [--shared ../shared] [--extra NAME=FILE ...]

`--extra` adds parser files as rows (e.g. the occlusion fine-tuning runs of docs/guide/MODELS.md).
Prints the table and writes docs/results/MODELS.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np
from skimage import data

from faceparse import evaluate
from faceparse.datasets import open_dataset
from faceparse.datasets.occlusion import occlude
from faceparse.imageio import list_images, read_gray, read_rgb
from faceparse.jobs.reports import publish, table_head
from faceparse.labels import FASSEG, IGNORE_INDEX, LAPA
from faceparse.models.files import shipped
from faceparse.models.runtime import int8_copy
from faceparse.parsing import FaceParser, ParseOptions
from faceparse.parsing.catalog import DEFAULT_RGB

OCCLUSION_SEED = 2026
# Celeb1k val photos whose head is covered by something worn, found by looking at all 153:
# beanies 28519, 28588, 28589; a nurse's cap 28550; a cap 28583; a fedora 28637; hoods 28593,
# 28642; a wide headband 28576. (Tiaras and thin hair bands, 28633 and 28654, are left out.)
CELEB1K_VAL_HEADWEAR = (
    "28519",
    "28550",
    "28576",
    "28583",
    "28588",
    "28589",
    "28593",
    "28637",
    "28642",
)


def occluded_copy(image: np.ndarray, label: np.ndarray, index: int):
    """The fixed occluded test copy: photo with an occluder, labels ignoring what it covers."""
    photo, covered = occlude(image, np.random.default_rng([OCCLUSION_SEED, index]))
    return photo, np.where(covered, IGNORE_INDEX, label).astype(np.uint8)


def fasseg_scores(parser: FaceParser, samples, occluded: bool, depth: str | None) -> dict:
    if occluded:
        copies = [occluded_copy(s.image, s.label, i) for i, s in enumerate(samples)]
        samples = [
            s.with_arrays(image=image, label=label)
            for s, (image, label) in zip(samples, copies, strict=True)
        ]
    scores = evaluate(parser, samples, FASSEG, depth).scores
    return {
        "mean_f1": scores.mean_f1,
        "accuracy": scores.pixel_accuracy,
        "f1": dict(zip(FASSEG.classes, scores.per_class_f1, strict=True)),
    }


def hair_scores(
    parser: FaceParser, celeb1k: Path, depth: str | None, split: str = "val", every: int = 1
) -> dict:
    """Hair F1 over Celeb1k val (or every `every`-th photo of `split`), and hair precision over
    the val photos with headwear (what is called hair there and is not: the hat, mostly)."""
    counts = {"all": [0, 0, 0], "headwear": [0, 0, 0]}  # tp, fp, fn
    hair = LAPA.index("hair")
    for path in list_images(celeb1k / split / "images")[::every]:
        truth = read_gray(celeb1k / split / "hair" / f"{path.stem}_hair.png") > 127
        pred = parser(read_rgb(path), depth=depth, space=LAPA).labels == hair
        found = [int((pred & truth).sum()), int((pred & ~truth).sum()), int((~pred & truth).sum())]
        for group in ("all", "headwear") if path.stem in CELEB1K_VAL_HEADWEAR else ("all",):
            counts[group] = [a + b for a, b in zip(counts[group], found, strict=True)]
    tp, fp, fn = counts["all"]
    htp, hfp, _ = counts["headwear"]
    return {"f1": 2 * tp / max(2 * tp + fp + fn, 1), "headwear_precision": htp / max(htp + hfp, 1)}


def seconds_per_photo(rows, repeats: int) -> dict[str, float]:
    """Median seconds per call for each row, timed round-robin (one call of each row per
    round), so that drifts of the machine's speed hit every row alike."""
    photo = data.astronaut()
    times: dict[str, list[float]] = {name: [] for name, _, _ in rows}
    for _, parser, depth in rows:
        parser(photo, depth=depth)  # warm-up: graph building, first allocations
    for _ in range(repeats):
        for name, parser, depth in rows:
            t0 = time.perf_counter()
            parser(photo, depth=depth)
            times[name].append(time.perf_counter() - t0)
    return {name: statistics.median(t) for name, t in times.items()}


def shipped_files() -> list[str]:
    from faceparse.models.files import load_parser
    from faceparse.parsing.catalog import SHIPPED_FILES

    lines = ["| file | network | input | parameters | size (MB) |", "|---|---|---|---|---|"]
    for name in SHIPPED_FILES:
        net, card = load_parser(shipped(name))
        params = sum(p.numel() for p in net.parameters())
        mb = shipped(name).stat().st_size / 1e6
        lines.append(
            f"| {name} | {card.arch} | {card.modality} {card.size}² | "
            f"{params / 1e6:.2f} M | {mb:.1f} |"
        )
    copy = int8_copy(shipped(DEFAULT_RGB))
    if copy is not None:
        lines.append(
            f"| {copy.name} | its int8 copy (`--backend auto` on CPUs with int8 dot products) "
            f"| rgb | | {copy.stat().st_size / 1e6:.1f} |"
        )
    return lines


def detection_by_yaw(fasseg: Path) -> list[str]:
    from faceparse.face.detect import FaceDetector

    detector = FaceDetector()
    lines = ["| yaw | photos | face found |", "|---|---|---|"]
    folders = sorted((fasseg / "V3" / "Train_RGB").iterdir(), key=lambda p: int(p.name))
    for folder in folders:
        paths = list_images(folder)
        found = sum(1 for p in paths if detector(read_rgb(p)))
        lines.append(f"| {folder.name}° | {len(paths)} | {found} |")
    return lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--shared", type=Path, default=Path("../shared"))
    ap.add_argument("--extra", action="append", default=[], help="NAME=parser.safetensors")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--skip-depth", action="store_true", help="leave out the RGB-D row")
    args = ap.parse_args()
    os.environ.setdefault("FACEPARSE_MODEL_DIR", str(args.shared / "models"))
    fasseg, celeb1k = args.shared / "data" / "fasseg", args.shared / "data" / "celeb1k"
    teacher = args.shared / "models" / "skin_clothes_hair.onnx"
    ds = open_dataset("fasseg", fasseg, "test")
    samples = [ds[i] for i in range(len(ds))]

    flip = ParseOptions(flip=True)
    rows: list[tuple[str, FaceParser, str | None]] = [
        ("default RGB", FaceParser.load("default", space="fasseg"), None),
        (
            "default RGB, fp32 (`--backend onnx`)",
            FaceParser.load("default", space="fasseg", backend="onnx"),
            None,
        ),
        ("default RGB, `--flip`", FaceParser.load("default", space="fasseg", options=flip), None),
    ]
    if not args.skip_depth:
        rows.append(
            ("default RGB + depth (auto)", FaceParser.load("default", space="fasseg"), "auto")
        )
    rows.append(
        ("landmarks + teacher", FaceParser.load("landmarks", teacher=teacher, space="fasseg"), None)
    )
    for item in args.extra:
        name, path = item.split("=", 1)
        rows.append((name, FaceParser.load(path, space="fasseg"), None))

    results = {}
    for name, parser, depth in rows:
        t0 = time.perf_counter()
        results[name] = {
            "clean": fasseg_scores(parser, samples, False, depth),
            "occluded": fasseg_scores(parser, samples, True, depth),
            "hair": hair_scores(parser, celeb1k, depth),
        }
        print(f"{name}: {time.perf_counter() - t0:.0f} s", flush=True)

    for name, seconds in seconds_per_photo(rows, args.repeats).items():
        results[name]["seconds"] = seconds
    lines = table_head(
        "parser",
        "FASSEG mean F1",
        "pixel acc.",
        "occluded mean F1",
        "Celeb1k hair F1",
        "hair precision, headwear",
        "s / photo",
    )
    for name, r in results.items():
        lines.append(
            f"| {name} | {r['clean']['mean_f1']:.3f} | {100 * r['clean']['accuracy']:.1f}% "
            f"| {r['occluded']['mean_f1']:.3f} | {r['hair']['f1']:.4f} "
            f"| {r['hair']['headwear_precision']:.3f} | {r['seconds']:.3f} |"
        )
    classes = FASSEG.classes
    lines += [
        "",
        "Per-class F1 on FASSEG V2 test (clean / occluded):",
        "",
        *table_head("parser", *classes),
    ]
    for name, r in results.items():
        cells = [f"{r['clean']['f1'][c]:.3f} / {r['occluded']['f1'][c]:.3f}" for c in classes]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines += ["", "Shipped files:", "", *shipped_files()]
    lines += [
        "",
        "Faces detected in FASSEG V3 (multipose) photos, by yaw:",
        "",
        *detection_by_yaw(fasseg),
    ]
    publish(
        Path("docs/results/MODELS.md"),
        "# Shipped parsers: measured",
        "\n".join(lines),
        "benchmarks/default_models.py",
        sys.argv[1:],
        f"Speed: median of {args.repeats} rounds, one photo at a time, detection included; the "
        "rows take turns within each round.",
    )


if __name__ == "__main__":
    main()
