"""Training data for the default parsers, made from what may be used here: aligned face crops
with LaPa labels from the landmark-geometry parser and the skin/clothes/hair teacher, corrected
by whatever ground truth a source has:

* Celeb1k (`{split}/images/<id>.jpg`, `{split}/hair/<id>_hair.png`): ground-truth hair replaces
  the teacher's.
* FASSEG (6 coarse classes): where the coarse label settles a LaPa class (background, skin,
  nose) it wins; hair/eyes/mouth keep the pseudo label when it falls inside that coarse class
  (brows inside FASSEG hair, lips inside its mouth) and are ignored otherwise. Skin the pseudo
  label calls background is ignored: FASSEG's skin includes the neck, LaPa's does not.

Crops are cut exactly as `FaceParser` cuts them at parse time (same detector and alignment),
written in the folder layout (`faceparse.datasets.FolderDataset`), with a manifest; the job
resumes and records images it cannot use.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..datasets import open_dataset
from ..errors import DataError
from ..face.align import crop_matrix, warp_to_crop
from ..face.detect import FaceDetector
from ..imageio import list_images, read_gray, read_rgb, write_png_atomic, write_text_atomic
from ..labels import FASSEG, IGNORE_INDEX, LAPA, mapping_lut
from ..parsing.landmark_parser import LandmarkParser


@dataclass
class Source:
    name: str  # unique, file-name safe
    split: str  # train | val
    image: np.ndarray
    hair: np.ndarray | None = None  # ground-truth hair (bool)
    coarse: np.ndarray | None = None  # ground-truth FASSEG labels


def fuse_with_coarse(pseudo: np.ndarray, coarse: np.ndarray) -> np.ndarray:
    """LaPa pseudo labels corrected by FASSEG ground truth (see the module docstring)."""
    to_coarse = mapping_lut(LAPA, FASSEG)[pseudo]
    out = np.where(to_coarse == coarse, pseudo, IGNORE_INDEX).astype(np.uint8)
    for name in ("background", "skin", "nose"):
        out[coarse == FASSEG.index(name)] = LAPA.index(name)
    out[(coarse == FASSEG.index("skin")) & (pseudo == LAPA.index("background"))] = IGNORE_INDEX
    return out


def celeb1k_sources(root: str | Path, splits: Iterable[str] = ("train", "val")) -> Iterator:
    """Celeb1k images with their hair masks; a damaged file is yielded as its DataError."""
    for split in splits:
        folder = Path(root) / split
        for path in list_images(folder / "images"):
            try:
                hair = read_gray(folder / "hair" / f"{path.stem}_hair.png") > 127
                yield Source(f"celeb1k_{path.stem}", split, read_rgb(path), hair=hair)
            except DataError as e:
                yield e


def fasseg_sources(root: str | Path, subsets=("V2", "V3"), split: str = "train") -> Iterator:
    ds = open_dataset("fasseg", root, split, subsets=subsets)
    for i in range(len(ds)):
        try:
            s = ds[i]
        except DataError as e:
            yield e
            continue
        yield Source("fasseg_" + s.name.replace("/", "_"), "train", s.image, coarse=s.label)


def make_training_crops(
    sources: Iterable,
    out: str | Path,
    teacher: str | Path | None,
    size: int = 256,
    progress=None,
) -> dict:
    """Write crops and labels under `out` (folder layout, train/val lists) and return counts.
    Already written samples are kept (resume); every sample, written, faceless or failed, gets
    a line in out/manifest.jsonl. Without a `teacher`, skin is the face outline and hair only
    what a source's ground truth gives."""
    out = Path(out)
    detector, parser = FaceDetector(), LandmarkParser(teacher)
    out.mkdir(parents=True, exist_ok=True)
    manifest_path = out / "manifest.jsonl"
    done = {}
    if manifest_path.is_file():
        for line in manifest_path.read_text().splitlines():
            entry = json.loads(line)
            done[entry["name"]] = entry
    counts = {"written": 0, "kept": 0, "no_face": 0, "failed": 0}
    with open(manifest_path, "a") as manifest:
        for src in sources:
            if progress is not None:
                progress()
            if isinstance(src, DataError):
                entry = {"name": src.path.name, "status": "failed", "reason": str(src)}
            elif src.name in done:
                counts["kept"] += 1
                continue
            else:
                entry = _crop_one(src, detector, parser, out, size)
            counts[{"ok": "written"}.get(entry["status"], entry["status"])] += 1
            manifest.write(json.dumps(entry) + "\n")
            manifest.flush()
            done[entry["name"]] = entry
    for split in ("train", "val"):
        names = sorted(n for n, e in done.items() if e["status"] == "ok" and e["split"] == split)
        write_text_atomic(out / f"{split}_list.txt", "".join(f"{n}\n" for n in names))
    detector.close()
    parser.close()
    return counts


def _crop_one(src: Source, detector, parser, out: Path, size: int) -> dict:
    faces = detector(src.image)
    found = parser(src.image, hair=src.hair)
    if not faces or found is None:
        return {"name": src.name, "split": src.split, "status": "no_face"}
    labels = found[0]
    if src.coarse is not None:
        labels = fuse_with_coarse(labels, src.coarse)
    m = crop_matrix(faces[0], size)
    crop = warp_to_crop(src.image, m, size)
    # Outside the photo there is nothing to learn: ignore, not background.
    inside = warp_to_crop(np.ones(src.image.shape[:2], np.uint8), m, size, nearest=True) > 0
    crop_labels = np.where(inside, warp_to_crop(labels, m, size, nearest=True), IGNORE_INDEX)
    write_png_atomic(out / "images" / f"{src.name}.png", crop)
    write_png_atomic(out / "labels" / f"{src.name}.png", crop_labels.astype(np.uint8))
    return {"name": src.name, "split": src.split, "status": "ok"}
