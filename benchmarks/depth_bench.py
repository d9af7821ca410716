"""Depth benchmark: region quality on FASSEG V2 test and end-to-end throughput at 512² (Celeb1k
val), for each backend. Prints a table and writes docs/DEPTH_RESULTS.md.

    .venv/bin/python benchmarks/depth_bench.py [--shared ../shared] [--repeats 3]
"""

from __future__ import annotations

import argparse
import datetime
import platform
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from faceparse.datasets import open_dataset
from faceparse.depth import DepthConfig, DepthRenderer
from faceparse.depth.job import make_depth
from faceparse.labels import FASSEG

CONFIGS = {
    "face": DepthConfig(backend="face"),
    "head": DepthConfig(backend="head"),
    "head --hair predicted": DepthConfig(backend="head", hair="predicted"),
}
FACE = [FASSEG.index(c) for c in ("skin", "eyes", "nose", "mouth")]
HAIR = FASSEG.index("hair")


def iou(a: np.ndarray, b: np.ndarray) -> float:
    return float((a & b).sum() / max((a | b).sum(), 1))


def depth_at(depth: np.ndarray, point: np.ndarray) -> int:
    h, w = depth.shape
    return int(depth[min(int(point[1]), h - 1), min(int(point[0]), w - 1)])


def quality(fasseg: Path) -> dict[str, dict[str, float]]:
    ds = open_dataset("fasseg", fasseg, "test")
    samples = [ds[i] for i in range(len(ds))]
    rows = {}
    for name, cfg in CONFIGS.items():
        r = DepthRenderer(cfg)
        face_iou, head_iou, nose_nearer, no_face = [], [], [], 0
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
            # MediaPipe landmark 1 is the nose tip, 50 and 280 the cheek centres
            nose, cheek_l, cheek_r = (depth_at(depth, lm[i]) for i in (1, 50, 280))
            nose_nearer.append(nose > cheek_l and nose > cheek_r)
        rows[name] = {
            "IoU vs face": float(np.median(face_iou)),
            "IoU vs face+hair": float(np.median(head_iou)),
            "nose nearer than cheeks": float(np.mean(nose_nearer)),
            "no face": no_face,
        }
    return rows


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
        "--out", type=Path, default=Path(__file__).parents[1] / "docs" / "DEPTH_RESULTS.md"
    )
    args = ap.parse_args()
    q = quality(args.shared / "data" / "fasseg")
    speed, n = throughput(args.shared / "data" / "celeb1k" / "val", args.repeats, args.workers)
    lines = [
        "| backend | median IoU vs labelled face | median IoU vs face+hair "
        "| nose nearer than both cheeks | no face "
        f"| images/s end to end (512², {args.workers} workers) |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name in CONFIGS:
        r = q[name]
        lines.append(
            f"| `{name}` | {r['IoU vs face']:.3f} | {r['IoU vs face+hair']:.3f} "
            f"| {r['nose nearer than cheeks']:.0%} | {r['no face']} | {speed[name]:.1f} |"
        )
    table = "\n".join(lines)
    print(table)
    stamp = (
        f"Command: `.venv/bin/python benchmarks/depth_bench.py --repeats {args.repeats} --workers "
        f"{args.workers}`. Machine: {platform.machine()}, {__import__('os').cpu_count()} cores, "
        f"Python {platform.python_version()}. Date: {datetime.date.today()}. Quality on FASSEG V2 "
        f"test (50 images); speed: median of {args.repeats} runs of `faceparse depth make` over "
        f"Celeb1k val ({n} images, 512², reading JPEG and writing PNG), including process start-up."
    )
    args.out.write_text(f"# Depth benchmark results\n\n{stamp}\n\n{table}\n")
    print(stamp)


if __name__ == "__main__":
    main()
