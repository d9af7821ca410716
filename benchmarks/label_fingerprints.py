"""Fingerprints of the labels the default parser gives, for refactors that must not change them
(issue #24): 17 real photos (scikit-image's astronaut, 8 Celeb1k val, 8 FASSEG V2 test), in
every label space, and with --flip and --depth auto. Writes one sha256 per (photo, setting) as
JSON; `--compare OLD.json` lists every one that changed and exits 1 if any did.

    .venv/bin/python benchmarks/label_fingerprints.py --out before.json
    (change the code)
    .venv/bin/python benchmarks/label_fingerprints.py --out after.json --compare before.json
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
from pathlib import Path

from skimage import data as skimage_data

from faceparse import FaceParser, ParseOptions
from faceparse.labels import LABEL_SPACES

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
# depth auto with the shared hair segmenter, as every fingerprint so far was taken
os.environ.setdefault("FACEPARSE_MODEL_DIR", str(SHARED.parent / "models"))


def photos() -> dict[str, object]:
    found: dict[str, object] = {"astronaut": skimage_data.astronaut()}
    for folder in (SHARED / "celeb1k" / "val" / "images", SHARED / "fasseg" / "V2" / "Test_RGB"):
        for path in sorted(folder.iterdir())[:8]:
            found[f"{folder.parts[-3]}/{path.stem}"] = str(path)
    return found


def fingerprints() -> dict[str, str]:
    out = {}
    plain = FaceParser.load("default")
    flip = FaceParser.load("default", options=ParseOptions(flip=True))
    for name, image in photos().items():
        for space in LABEL_SPACES:
            out[f"{name} {space}"] = _digest(plain(image, space=space).labels)
        out[f"{name} flip"] = _digest(flip(image).labels)
        out[f"{name} depth"] = _digest(plain(image, depth="auto").labels)
    return out


def _digest(labels) -> str:
    return hashlib.sha256(labels.tobytes() + str(labels.shape).encode()).hexdigest()[:16]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--compare", type=Path)
    args = ap.parse_args()
    now = fingerprints()
    args.out.write_text(json.dumps(now, indent=1))
    if args.compare:
        before = json.loads(args.compare.read_text())
        changed = [k for k in before if now.get(k) != before[k]]
        print(f"{len(before) - len(changed)} of {len(before)} label maps identical")
        for k in changed:
            print(f"  changed: {k}")
        sys.exit(1 if changed else 0)
    print(f"{len(now)} fingerprints -> {args.out}")


if __name__ == "__main__":
    main()
