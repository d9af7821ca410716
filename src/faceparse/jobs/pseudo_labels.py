"""Training data for the default parsers, made from what may be used here: aligned face crops
with LaPa labels from the landmark-geometry parser and the skin/clothes/hair teacher, corrected
by whatever ground truth a source has:

* Celeb1k (`{split}/images/<id>.jpg`, `{split}/hair/<id>_hair.png`): ground-truth hair replaces
  the teacher's.
* FASSEG (6 coarse classes): where the coarse label settles a LaPa class (background, skin,
  nose, hair but for the pseudo brows in it, eyes: each eye pixel goes to the nearer pseudo
  eye's side) it wins; the mouth keeps the pseudo lips and inner mouth inside it and is ignored
  elsewhere. Skin the pseudo label calls background is ignored:
  FASSEG's skin includes the neck, LaPa's does not. Where the face mesh finds no face (some
  ±90° profiles: 5 of FASSEG's 20 in training) the coarse labels alone are used, eye sides
  from the detector's keypoints and the mouth ignored, so that profiles are learnt from.
  FASSEG's held-out persons (`faceparse.datasets.fasseg.HELD_OUT_PERSONS`) are left out.

Crops are cut exactly as `FaceParser` cuts them at parse time (same detector and alignment),
written in the folder layout (`faceparse.datasets.FolderDataset`), with a manifest; the job
resumes and records images it cannot use.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..datasets import open_dataset
from ..datasets.fasseg import HELD_OUT_PERSONS, held_out
from ..errors import DataError
from ..face.align import crop_matrix, warp_to_crop
from ..face.detect import Face, FaceDetector
from ..imageio import list_images, read_gray, read_rgb, write_png_atomic, write_text_atomic
from ..labels import FASSEG, IGNORE_INDEX, LAPA, mapping_lut
from ..parsing.landmark_parser import LandmarkParser
from .manifest import Manifest


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
    brows = np.isin(pseudo, [LAPA.index("l_brow"), LAPA.index("r_brow")])
    out[(coarse == FASSEG.index("hair")) & ~brows] = LAPA.index("hair")
    centres = {}
    for side in ("l_eye", "r_eye"):
        ys, xs = np.nonzero(pseudo == LAPA.index(side))
        if len(xs):
            centres[side] = (xs.mean(), ys.mean())
    _split_eyes(out, coarse == FASSEG.index("eyes"), centres)
    return out


def coarse_only(coarse: np.ndarray, face: Face) -> np.ndarray:
    """LaPa labels from FASSEG ground truth alone, eye sides from the detector's keypoints
    (the subject's right eye is LaPa's l_eye); the mouth, which FASSEG does not split into
    lips, is ignored."""
    # background, hair, skin and nose have the same names in both; eyes are split below
    lut = [LAPA.index(c) if c in LAPA.classes else IGNORE_INDEX for c in FASSEG.classes]
    out = np.array(lut, np.uint8)[coarse]
    right, left = face.keypoints[0], face.keypoints[1]
    _split_eyes(out, coarse == FASSEG.index("eyes"), {"l_eye": right, "r_eye": left})
    return out


def _split_eyes(out: np.ndarray, eyes: np.ndarray, centres: dict) -> None:
    """Label each true eye pixel as the side whose centre is nearer; ignored without one."""
    ys, xs = np.nonzero(eyes)
    if not centres:
        out[ys, xs] = IGNORE_INDEX
        return
    sides = list(centres)
    dist = np.stack([np.hypot(xs - centres[s][0], ys - centres[s][1]) for s in sides])
    out[ys, xs] = np.array([LAPA.index(s) for s in sides], np.uint8)[dist.argmin(0)]


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


def fasseg_sources(
    root: str | Path, subsets=("V2", "V3"), split: str = "train", persons_held_out=HELD_OUT_PERSONS
) -> Iterator:
    ds = open_dataset("fasseg", root, split, subsets=subsets)
    for i, record in enumerate(ds.records):
        if held_out(record.name, persons_held_out):
            continue
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
    with Manifest(out / "manifest.jsonl") as manifest:
        for src in sources:
            if progress is not None:
                progress()
            if isinstance(src, DataError):
                manifest.record({"name": src.path.name, "status": "failed", "reason": str(src)})
            elif manifest.done(src.name):
                manifest.keep()
            else:
                manifest.record(_crop_one(src, detector, parser, out, size))
    for split in ("train", "val"):
        names = sorted(e["name"] for e in manifest.with_status("ok") if e["split"] == split)
        write_text_atomic(out / f"{split}_list.txt", "".join(f"{n}\n" for n in names))
    detector.close()
    parser.close()
    return manifest.counts


def _crop_one(src: Source, detector, parser, out: Path, size: int) -> dict:
    faces = detector(src.image)
    found = parser(src.image, hair=src.hair)
    if not faces or (found is None and src.coarse is None):
        return {"name": src.name, "split": src.split, "status": "no_face"}
    if found is None:
        labels, made_by = coarse_only(src.coarse, faces[0]), "ground truth"
    elif src.coarse is not None:
        labels, made_by = fuse_with_coarse(found[0], src.coarse), "geometry + ground truth"
    else:
        labels, made_by = found[0], "geometry"
    m = crop_matrix(faces[0], size)
    crop = warp_to_crop(src.image, m, size)
    # Outside the photo there is nothing to learn: ignore, not background.
    inside = warp_to_crop(np.ones(src.image.shape[:2], np.uint8), m, size, nearest=True) > 0
    crop_labels = np.where(inside, warp_to_crop(labels, m, size, nearest=True), IGNORE_INDEX)
    write_png_atomic(out / "images" / f"{src.name}.png", crop)
    write_png_atomic(out / "labels" / f"{src.name}.png", crop_labels.astype(np.uint8))
    return {"name": src.name, "split": src.split, "status": "ok", "labels": made_by}
