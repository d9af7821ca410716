"""Depth benchmark: region quality on FASSEG V2 test and end-to-end throughput at 512² (Celeb1k
val), for each backend. Prints a table and writes docs/results/DEPTH.md.

    .venv/bin/python benchmarks/depth_bench.py [--shared ../shared] [--repeats 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from faceparse.datasets import open_dataset
from faceparse.depth import DepthConfig, DepthRenderer
from faceparse.depth.quality import CHIN, iou, nose_nearer_than_cheeks, polygon_mask, symmetry_error
from faceparse.face.landmarks import face_oval
from faceparse.imageio import read_gray, read_rgb, write_text_atomic
from faceparse.jobs.depth import make_depth
from faceparse.jobs.reports import provenance
from faceparse.labels import FASSEG

CONFIGS = {
    "face": DepthConfig(backend="face"),
    "head": DepthConfig(backend="head"),
    "head --hair predicted": DepthConfig(backend="head", hair="predicted"),
}
FACE = [FASSEG.index(c) for c in ("skin", "eyes", "nose", "mouth")]
HAIR = FASSEG.index("hair")
# A frontal face counts as symmetric when the mean |depth − mirror image| over the landmark face
# region is at most this many millimetres (about 3.5% of a face's width).
SYMMETRY_TOLERANCE_MM = 5.0


def quality(fasseg: Path, renderers: dict[str, DepthRenderer]) -> dict[str, dict[str, float]]:
    ds = open_dataset("fasseg", fasseg, "test")
    samples = [ds[i] for i in range(len(ds))]
    oval = face_oval()
    rows = {}
    for name, r in renderers.items():
        face_iou, head_iou, nose_nearer, asym, no_face = [], [], [], [], 0
        for s in samples:
            depth, info = r(s.image)
            if info.status != "ok":
                no_face += 1
                continue
            fg = depth > 0
            face = np.isin(s.label, FACE)
            face_iou.append(iou(fg, face))
            head_iou.append(iou(fg, face | (s.label == HAIR)))
            lm = r.detector(s.image).points
            nose_nearer.append(nose_nearer_than_cheeks(depth, lm))
            region = polygon_mask(lm, oval, depth.shape)
            asym.append(symmetry_error(depth, lm, region) * info.mm_per_level)
        rows[name] = {
            "IoU vs face": float(np.median(face_iou)),
            "IoU vs face+hair": float(np.median(head_iou)),
            "nose nearer than cheeks": float(np.mean(nose_nearer)),
            "asymmetry": float(np.median(asym)),
            "symmetric": float(np.mean(np.array(asym) <= SYMMETRY_TOLERANCE_MM)),
            "no face": no_face,
        }
    return rows


def celeb_hair_face_iou(celeb_val: Path, renderer: DepthRenderer) -> tuple[float, float]:
    """Median IoU of the depth region vs ground-truth hair ∪ the landmark face polygon (Celeb1k
    labels hair only, so the face is the region inside MediaPipe's face oval): over the whole
    image, and above the chin only (the neck, which the head model renders, is labelled nowhere)."""
    oval = face_oval()
    whole, above_chin = [], []
    for image_path in sorted((celeb_val / "images").glob("*.jpg")):
        image = read_rgb(image_path)
        depth, info = renderer(image)
        if info.status != "ok":
            continue
        lm = renderer.detector(image).points
        hair = read_gray(celeb_val / "hair" / f"{image_path.stem}_hair.png") > 127
        truth, fg = hair | polygon_mask(lm, oval, depth.shape), depth > 0
        whole.append(iou(fg, truth))
        chin = int(lm[CHIN, 1])
        above_chin.append(iou(fg[:chin], truth[:chin]))
    return float(np.median(whole)), float(np.median(above_chin))


def throughput(celeb: Path, repeats: int, workers: int) -> dict[str, float]:
    out = {}
    n = len(open_dataset("folder", celeb, "all"))
    for name, cfg in CONFIGS.items():
        rates = []
        for _ in range(repeats):
            with tempfile.TemporaryDirectory() as tmp:
                t = time.perf_counter()
                make_depth("folder", celeb, tmp, cfg, ["all"], workers)
                rates.append(n / (time.perf_counter() - t))
        out[name] = statistics.median(rates)
    return out, n


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", type=Path, default=Path(__file__).parents[2] / "shared")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument(
        "--out", type=Path, default=Path(__file__).parents[1] / "docs" / "results" / "DEPTH.md"
    )
    args = ap.parse_args()
    os.environ.setdefault("FACEPARSE_MODEL_DIR", str(args.shared / "models"))
    renderers = {name: DepthRenderer(cfg) for name, cfg in CONFIGS.items()}
    q = quality(args.shared / "data" / "fasseg", renderers)
    celeb = args.shared / "data" / "celeb1k" / "val"
    hair_iou, hair_iou_above_chin = celeb_hair_face_iou(celeb, renderers["head --hair predicted"])
    speed, n = throughput(celeb, args.repeats, args.workers)
    lines = [
        "| backend | median IoU vs labelled face | median IoU vs face+hair "
        "| nose nearer than both cheeks | median asymmetry (mm) "
        f"| symmetric (≤ {SYMMETRY_TOLERANCE_MM:g} mm) | no face "
        f"| images/s end to end (512², {args.workers} workers) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name in CONFIGS:
        r = q[name]
        lines.append(
            f"| `{name}` | {r['IoU vs face']:.3f} | {r['IoU vs face+hair']:.3f} "
            f"| {r['nose nearer than cheeks']:.0%} | {r['asymmetry']:.1f} | {r['symmetric']:.0%} "
            f"| {r['no face']} | {speed[name]:.1f} |"
        )
    lines.append(
        f"\nCeleb1k val, `head --hair predicted`: median IoU of the depth region vs ground-truth "
        f"hair ∪ landmark face polygon = **{hair_iou:.3f}** over the whole image, "
        f"**{hair_iou_above_chin:.3f}** above the chin (landmark 152), where both are labelled."
    )
    table = "\n".join(lines)
    print(table)
    stamp = provenance("benchmarks/depth_bench.py", sys.argv[1:]) + (
        f"Quality on FASSEG V2 test (50 images); speed: median of {args.repeats} runs of "
        f"`faceparse depth make` over Celeb1k val ({n} images, 512², reading JPEG and writing "
        "PNG), including process start-up."
    )
    write_text_atomic(args.out, f"# Depth benchmark results\n\n{stamp}\n\n{table}\n")
    print(stamp)


if __name__ == "__main__":
    main()
