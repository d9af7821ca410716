"""The occlusion-resistant face fit (issue #29): train the distilled face mesh, then measure every
fit on occluded copies of clean photos against the clean photo's MediaPipe fit.

    python benchmarks/robust_fit.py train      # ~45 min on one core; resumes; cache folder
    python benchmarks/robust_fit.py measure    # docs/results/ROBUST_FIT.md + figures

Training photos: Celeb1k train, FASSEG V2 train and V3 train. Check photos (never trained on):
Celeb1k val and FASSEG V2 test. The cache folder is $FACEPARSE_FIT_CACHE, else
~/.cache/faceparse-fit: the teacher's landmarks, checkpoints, the exported ONNX files.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("FACEPARSE_SHARED") or ROOT.parent / "shared").resolve()
CACHE = Path(os.environ.get("FACEPARSE_FIT_CACHE") or Path.home() / ".cache" / "faceparse-fit")
TRAIN_FOLDERS = ("celeb1k/train/images", "fasseg/V2/Train_RGB", "fasseg/V3/Train_RGB")
CHECK_FOLDERS = ("celeb1k/val/images", "fasseg/V2/Test_RGB")


def photos(folders) -> list[Path]:
    from faceparse.imageio import list_images

    found = []
    for folder in folders:
        root = SHARED / "data" / folder
        found += sorted(
            p
            for sub in [root, *sorted(d for d in root.rglob("*") if d.is_dir())]
            for p in list_images(sub)
        )
    return found


def train(args) -> None:
    import torch

    from faceparse.training.landmark_distill import (
        LandmarkDistillConfig,
        export_landmark_student,
        prepare_teacher,
        train_landmark_student,
    )

    torch.set_num_threads(args.threads)
    check = {p.resolve() for p in photos(CHECK_FOLDERS)}
    train_photos = [p for p in photos(TRAIN_FOLDERS) if p.resolve() not in check]
    teacher = prepare_teacher(train_photos, CACHE)
    print(
        f"{len(teacher.paths)} of {len(train_photos)} training photos have a teacher fit",
        flush=True,
    )
    config = LandmarkDistillConfig(steps=args.steps)
    last = train_landmark_student(
        teacher, config, CACHE / "student", log=lambda s: print(s, flush=True)
    )
    out = export_landmark_student(last, CACHE / "robust_face_mesh.onnx")
    print(f"wrote {out}", flush=True)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    t = sub.add_parser("train")
    t.add_argument("--steps", type=int, default=1500)
    t.add_argument("--threads", type=int, default=1)
    args = parser.parse_args(argv)
    {"train": train}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
