"""What the face-part rule (`ParseOptions.require_face_parts`, parsing.views) drops: the share
of face-part pixels in each detection's crop on non-faces and on real faces, and the real faces
it costs on synthetic group photos.

    .venv/bin/python benchmarks/face_part_rule.py [--shared ../shared] [--canvases 12]

Prints the table and writes docs/results/FACE_PART_RULE.md.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
from group_photos import CANVAS_SEED, head_shots, match
from skimage import data

from faceparse import FaceParser, ParseOptions
from faceparse.datasets.group_photos import GroupPhotoConfig, compose_group_photo
from faceparse.face.detect import FaceDetector
from faceparse.imageio import list_images
from faceparse.jobs.reports import publish, table_head
from faceparse.parsing.views import MIN_FACE_PART_SHARE, face_part_lut


def part_shares(parser: FaceParser, image) -> list[float]:
    """Face-part share of each detection's first crop (the rule off, so every one is seen)."""
    lut = face_part_lut(parser.model.space)
    return [float(lut[c.labels].mean()) for c in parser(image).crops if c.outside_of is None]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--shared", type=Path, default=Path("../shared"))
    ap.add_argument("--canvases", type=int, default=12)
    args = ap.parse_args()
    off = FaceParser.load("default", options=ParseOptions(require_face_parts=False))
    on = FaceParser.load("default")
    lines = table_head("set", "photos", "detections", "below the threshold", "smallest shares")
    non_faces = {"coffee": data.coffee(), "hubble_deep_field": data.hubble_deep_field()}
    for name, image in non_faces.items():
        s = sorted(part_shares(off, image))
        low = sum(x < MIN_FACE_PART_SHARE for x in s)
        lines.append(f"| scikit-image {name} | 1 | {len(s)} | {low} | {s[:3]} |")
    fasseg = sorted(p for p in (args.shared / "data" / "fasseg").rglob("*_RGB/**/*.png"))
    celeb = list_images(args.shared / "data" / "celeb1k" / "val" / "images")
    for name, paths in (("FASSEG, every photo", fasseg), ("Celeb1k val", celeb)):
        s = sorted(x for p in paths for x in part_shares(off, str(p)))
        low = sum(x < MIN_FACE_PART_SHARE for x in s)
        shown = ", ".join(f"{x:.4f}" for x in s[:4])
        lines.append(f"| {name} | {len(paths)} | {len(s)} | {low} | {shown} |")
    shots, _ = head_shots(args.shared, FaceDetector())
    lost = total = kept_by_both = 0
    for k in range(args.canvases):
        photo = compose_group_photo(
            shots, np.random.default_rng([CANVAS_SEED, k]), GroupPhotoConfig()
        )
        hit_off, _ = match(photo.boxes, [f.box for f in off(photo.image).faces])
        hit_on, _ = match(photo.boxes, [f.box for f in on(photo.image).faces])
        total += len(photo.boxes)
        kept_by_both += sum(a and b for a, b in zip(hit_off, hit_on, strict=True))
        lost += sum(a and not b for a, b in zip(hit_off, hit_on, strict=True))
    notes = (
        f"Threshold: {MIN_FACE_PART_SHARE} of the crop's pixels in eyes, brows, nose, lips, "
        "mouth or glasses (default parser's labels). Shares below are of every detection, the "
        "rule off. A FASSEG or Celeb1k photo shows one person: a second detection there is "
        "spurious (an ear, a collar).\n\n"
        f"Group photos ({args.canvases} canvases of benchmarks/group_photos.py, {total} pasted "
        f"faces): parsed with the rule off, {kept_by_both + lost} faces found; the rule drops "
        f"**{lost}** of them."
    )
    publish(
        Path("docs/results/FACE_PART_RULE.md"),
        "# The face-part rule: what it drops",
        "\n".join(lines),
        "benchmarks/face_part_rule.py",
        sys.argv[1:],
        notes,
    )


if __name__ == "__main__":
    main()
