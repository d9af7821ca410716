"""Face detection on synthetic group photos: recall and precision by face size, and time.

Head shots come from data no parser trains on: FASSEG V3's held-out persons (every yaw, -90° to
+90°) and Celeb1k val. Each shot's face box is what the detector finds on the shot alone, at its
own resolution (shots where it finds none are counted and left out). The canvases
(`faceparse.datasets.group_photos`, seeded apart from anything else) are 640-4096 px a side
with 3-10 faces of 40-400 px each, heads overlapping but no face covered. A detection matches a
pasted face when their boxes overlap with IoU >= 0.3 (each face and detection matched
once); detections narrower than 32 px are not counted (the parser reports them as too small).

    .venv/bin/python benchmarks/group_photos.py [--shared ../shared] [--canvases 40]

Prints the table and writes docs/results/GROUP_PHOTOS.md.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

from faceparse.datasets.fasseg import HELD_OUT_PERSONS, v3_person
from faceparse.datasets.group_photos import GroupPhotoConfig, HeadShot, compose_group_photo
from faceparse.face.detect import FaceDetector, box_iou
from faceparse.imageio import list_images, read_rgb
from faceparse.jobs.reports import publish, table_head

CANVAS_SEED = 4096
SIZE_BUCKETS = ((40, 80), (80, 160), (160, 400))
MATCH_IOU = 0.3
COUNTED_FACE_PX = 32


def head_shots(shared: Path, detector: FaceDetector) -> tuple[list[HeadShot], list[str]]:
    """Shots with exactly one face found on the shot alone; the others are listed: a second
    face in a shot's margin would be a real face with no box to match."""
    fasseg = shared / "data" / "fasseg" / "V3" / "Train_RGB"
    paths = [p for p in sorted(fasseg.glob("*/*.png")) if v3_person(p.stem) in HELD_OUT_PERSONS]
    paths += list_images(shared / "data" / "celeb1k" / "val" / "images")
    shots, missed = [], []
    for path in paths:
        image = read_rgb(path)
        faces = detector(image)
        if len(faces) == 1:
            shots.append(HeadShot(image, faces[0].box, f"{path.parent.name}/{path.name}"))
        else:
            missed.append(str(path))
    return shots, missed


def match(truth: list, found: list) -> tuple[list[bool], int]:
    """(for each true box, whether a detection matched it; detections matching nothing)."""
    pairs = sorted(
        ((box_iou(t, f), i, j) for i, t in enumerate(truth) for j, f in enumerate(found)),
        reverse=True,
    )
    hit, used = [False] * len(truth), set()
    for iou, i, j in pairs:
        if iou < MATCH_IOU:
            break
        if not hit[i] and j not in used:
            hit[i] = True
            used.add(j)
    return hit, len(found) - len(used)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--shared", type=Path, default=Path("../shared"))
    ap.add_argument("--canvases", type=int, default=40)
    args = ap.parse_args()
    detector = FaceDetector()
    shots, missed = head_shots(args.shared, detector)
    config = GroupPhotoConfig()
    per_bucket = {b: [0, 0] for b in SIZE_BUCKETS}  # found, total
    false_positives = detections = 0
    seconds, megapixels = [], []
    misses: list[str] = []
    for k in range(args.canvases):
        photo = compose_group_photo(shots, np.random.default_rng([CANVAS_SEED, k]), config)
        t0 = time.perf_counter()
        faces = detector(photo.image)
        seconds.append(time.perf_counter() - t0)
        megapixels.append(photo.image.shape[0] * photo.image.shape[1] / 1e6)
        # Precision counts the detections a user would see parsed: narrower ones are reported
        # as too small (`ParseOptions.min_face_px`), wherever they come from.
        faces = [f for f in faces if f.box[2] - f.box[0] >= COUNTED_FACE_PX]
        hit, extra = match(photo.boxes, [f.box for f in faces])
        false_positives += extra
        detections += len(faces)
        for box, ok, name in zip(photo.boxes, hit, photo.names, strict=True):
            width = box[2] - box[0]
            bucket = next(b for b in SIZE_BUCKETS if width < b[1] or b == SIZE_BUCKETS[-1])
            per_bucket[bucket][0] += ok
            per_bucket[bucket][1] += 1
            if not ok:
                misses.append(f"canvas {k}: {name} at {width:.0f} px")
    found = sum(v[0] for v in per_bucket.values())
    total = sum(v[1] for v in per_bucket.values())
    lines = table_head("face box width", "faces", "recall")
    for (lo, hi), (ok, n) in per_bucket.items():
        lines.append(f"| {lo}-{hi} px | {n} | {ok / max(n, 1):.3f} |")
    lines.append(f"| **all** | {total} | **{found / max(total, 1):.3f}** |")
    precision = 1 - false_positives / max(detections, 1)
    lines += [
        "",
        f"Precision: **{precision:.3f}** ({false_positives} of {detections} detections match no "
        "face).  ",
        f"Detection time per canvas: median {statistics.median(seconds):.2f} s, largest "
        f"{max(seconds):.2f} s; median {statistics.median(np.divide(seconds, megapixels)):.3f} "
        "s per megapixel.  ",
        f"Head shots: {len(shots)} ({len(missed)} left out: not exactly one face found on the "
        "shot alone).",
    ]
    if misses:
        lines += ["", "Missed faces:", "", *[f"- {m}" for m in misses[:30]]]
    publish(
        Path("docs/results/GROUP_PHOTOS.md"),
        "# Group photos: measured",
        "\n".join(lines),
        "benchmarks/group_photos.py",
        sys.argv[1:],
        f"{args.canvases} canvases, seed {CANVAS_SEED}; held-out FASSEG persons: "
        f"{', '.join(HELD_OUT_PERSONS)}.",
    )


if __name__ == "__main__":
    main()
