"""The CelebAMask-HQ 19-class training data, made from the LaPa training crops
(`faceparse data pseudo-label`) and what may be used here:

* face parts, skin and hair keep their LaPa labels (converted by name; inner mouth -> mouth);
* ears and neck come from the ICT head fitted to the crop's face-mesh landmarks
  (`faceparse.depth.head_regions`): an ear pixel is one the head puts on an ear, outside the
  face-mesh outline, that is labelled skin, or background or ignored (FASSEG's skin beyond the
  geometry) where the skin/clothes/hair teacher calls it skin;
  a neck pixel is teacher skin outside the outline, not clothes, not hair, where the head puts
  its neck or, below the chin, where no head is drawn (an open collar);
* cloth is what the teacher calls clothes where the LaPa label is background, below the chin
  (below 60% of the crop's height without a fit);
* hat: where the fitted scalp is mostly background (HEADWEAR_MIN_SHARE), something covers it:
  that background, and the background joining it above the chin that the teacher calls
  clothes or hair, is labelled hat. Celeb1k's hair masks leave real hats, caps, hoods and
  headbands out of the hair; without this they were learnt as background.

Glasses, earrings, necklaces and more hats are drawn by the training loader
(`faceparse.datasets.accessories`), with exact masks. Crops whose face the mesh does not find
keep their converted labels with the ears and neck they already had as skin and background;
the manifest says which crops had a fit (`head_fit`).
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from ..datasets import FolderDataset
from ..depth.head_regions import REGIONS, HeadRegionMap, HeadRegionRenderer
from ..errors import DataError
from ..face.landmarks import face_oval
from ..face.segmenter import HairSegmenter
from ..imageio import link_or_copy, write_png_atomic, write_text_atomic
from ..labels import CELEBAMASK_HQ, IGNORE_INDEX, LAPA
from ..labels.mapping import other_side
from .manifest import Manifest
from .self_labels import readable_pair

TEACHER_THRESHOLD = 0.5
# Share of the fitted scalp's pixels labelled background (`scalp_covered`, which the data job
# writes for each crop into its manifest.jsonl) above which the head is taken as covered. In
# runs/default-data-19h (the command in docs/guide/MODELS.md, 2026-12-01) the 15 Celeb1k train
# crops above 0.8 (0.93 to 1.0) all wear something on the head (hats, caps, a veil, headbands:
# looked at one by one); the next is at 0.68, and below are mostly bare heads whose fit reaches
# past the hair into the background.
HEADWEAR_MIN_SHARE = 0.8


def _lapa_to_19() -> np.ndarray:
    """Lookup table LaPa id -> CelebAMask-HQ id for these crops only: LaPa's skin still holds
    the ears and is fixed below, so this is no general conversion (`convert_labels` refuses
    11 -> 19). LaPa's l_* lies on the image's left, CelebAMask-HQ's on the subject's left: the
    sides swap (`LabelSpace.sides`)."""
    lut = np.full(256, IGNORE_INDEX, np.uint8)
    for i, name in enumerate(LAPA.classes):
        name = "mouth" if name == "inner_mouth" else name
        lut[i] = CELEBAMASK_HQ.index(
            other_side(name) if LAPA.sides != CELEBAMASK_HQ.sides else name
        )
    return lut


_LAPA_TO_19 = _lapa_to_19()


def celebamask_labels(
    lapa: np.ndarray, teacher: np.ndarray, head: HeadRegionMap | None
) -> np.ndarray:
    """19-class labels (H×W uint8) from LaPa labels, the teacher's (skin, clothes, hair)
    probabilities (3×H×W) and the fitted head's regions (see the module docstring)."""
    c = CELEBAMASK_HQ.index
    out = _LAPA_TO_19[lapa]
    skin_t, cloth_t = teacher[0] > TEACHER_THRESHOLD, teacher[1] > TEACHER_THRESHOLD
    background = out == c("background")
    rows = np.arange(out.shape[0])[:, None]
    # The teacher also calls dark backgrounds clothes: cloth is kept below the chin only.
    chin_row = head.points[face_oval(), 1].max() if head is not None else 0.6 * out.shape[0]
    out[background & cloth_t & (rows > chin_row)] = c("cloth")
    if head is None:
        return out
    outside = _outside_face(head, out.shape)
    regions = head.regions
    scalp, covered = _scalp(head, outside, background)
    if scalp.any() and covered.sum() > HEADWEAR_MIN_SHARE * scalp.sum():
        hat = _headwear(out, covered, teacher, rows < chin_row)
        out[hat] = c("hat")
        background &= ~hat
    # Ignored pixels may be ear or neck: FASSEG's skin takes both in, and the LaPa labels
    # ignore what of it the geometry calls background.
    unsure = background | (out == IGNORE_INDEX)
    # the head's regions are named from the subject's side, as CelebAMask-HQ's classes
    for region, name in (("right_ear", "r_ear"), ("left_ear", "l_ear")):
        # CelebAMask-HQ's l_ear is on the image's left: the subject's right ear.
        ear = (regions == REGIONS.index(region)) & outside
        out[ear & ((out == c("skin")) | (unsure & skin_t))] = c(name)
    neck_zone = (regions == REGIONS.index("neck")) | ((regions == 0) & (rows > chin_row))
    free = np.isin(out, [c("background"), c("skin"), c("cloth"), IGNORE_INDEX])
    out[neck_zone & outside & skin_t & ~cloth_t & free] = c("neck")
    return out


def scalp_covered(lapa: np.ndarray, head: HeadRegionMap) -> float:
    """Share of the fitted scalp's pixels, outside the face outline, that the LaPa labels call
    background: over HEADWEAR_MIN_SHARE, something is worn on the head."""
    background = _LAPA_TO_19[lapa] == CELEBAMASK_HQ.index("background")
    scalp, covered = _scalp(head, _outside_face(head, lapa.shape), background)
    return float(covered.sum() / scalp.sum()) if scalp.any() else 0.0


def _outside_face(head: HeadRegionMap, shape: tuple[int, int]) -> np.ndarray:
    oval = np.zeros(shape, np.uint8)
    cv2.fillPoly(oval, [np.round(head.points[face_oval(), :2]).astype(np.int32)], 1)
    return oval == 0


def _scalp(head: HeadRegionMap, outside: np.ndarray, background: np.ndarray):
    """(the fitted scalp, the part of it labelled background). Inside the outline the scalp is
    the back of the head seen through the fitted face's eye and mouth openings, so only the
    scalp outside it counts. Ignored pixels are not covered: FASSEG's crops ignore the skin
    beyond the face geometry, a bald scalp's too."""
    scalp = (head.regions == REGIONS.index("scalp")) & outside
    return scalp, scalp & background


def _headwear(labels: np.ndarray, covered: np.ndarray, teacher: np.ndarray, above_chin):
    """What covers a head: its covered scalp, grown through what the teacher calls clothes or
    hair (it calls hats and hoods either) and the labels call background, above the chin, in
    pieces that touch the covered scalp. The fitted scalp alone is a crescent over the
    forehead: a hat's crown above it would stay background."""
    worn = (teacher[1] > TEACHER_THRESHOLD) | (teacher[2] > TEACHER_THRESHOLD)
    free = labels == CELEBAMASK_HQ.index("background")
    candidate = free & above_chin & (covered | worn)
    _, pieces = cv2.connectedComponents(candidate.astype(np.uint8), connectivity=8)
    touching = np.unique(pieces[candidate & covered])
    return np.isin(pieces, touching[touching > 0])


def make_celebamask_data(
    data: str | Path,
    out: str | Path,
    teacher: str | Path,
    models: str | Path | None = None,
    progress=None,
) -> dict:
    """Write a 19-class copy of the LaPa folder dataset `data` to `out` (images hard-linked
    where the file system allows) and return counts. Resumes: crops already in
    out/manifest.jsonl are kept; a damaged crop is recorded there and skipped. The training
    crops given a hat (real headwear) are listed in out/headwear_list.txt, and those of each
    source in out/{source}_list.txt."""
    data, out = Path(data), Path(out)
    for sub in ("images", "labels"):
        (out / sub).mkdir(parents=True, exist_ok=True)
    segmenter = HairSegmenter(Path(teacher))
    renderer = HeadRegionRenderer(models)
    source = FolderDataset(data, "all")
    with Manifest(out / "manifest.jsonl") as manifest:
        for record in source.records:
            if progress is not None:
                progress()
            if manifest.done(record.name):
                manifest.keep()
                continue
            try:
                image, lapa = readable_pair(source, record)
            except DataError as e:
                manifest.record({"name": record.name, "status": "failed", "reason": str(e)})
                continue
            head = renderer(image)
            labels = celebamask_labels(lapa, segmenter.probabilities(image), head)
            link_or_copy(record.image, out / "images" / record.image.name)
            write_png_atomic(out / "labels" / f"{record.name}.png", labels)
            # head_fit: whether ears and neck came from a fitted head (or stayed as converted)
            entry = {"name": record.name, "status": "ok", "head_fit": head is not None}
            if head is not None:
                entry["scalp_covered"] = round(scalp_covered(lapa, head), 3)
            if (labels == CELEBAMASK_HQ.index("hat")).any():
                entry["headwear"] = True
            manifest.record(entry)
    renderer.close()
    failed = {e["name"] for e in manifest.with_status("failed")}
    headwear = {e["name"] for e in manifest.entries.values() if e.get("headwear")}
    training = set(manifest.entries)
    for split in ("train", "val"):
        lst = data / f"{split}_list.txt"
        if lst.is_file():
            names = [n for n in lst.read_text().split() if n not in failed]
            write_text_atomic(out / f"{split}_list.txt", "".join(f"{n}\n" for n in names))
            if split == "train":
                training = set(names)
    # For `repeat: {headwear: N}` in the folder reader's options (few crops, and they matter).
    # Training crops only: the reader's options reach the validation split too.
    listed = sorted(headwear & training)
    write_text_atomic(out / "headwear_list.txt", "".join(f"{n}\n" for n in listed))
    # The same for each source, named by the crop names' first part (`fasseg_list.txt`,
    # `celeb1k_list.txt`): to weigh one source's labels more.
    for source_name, names in sorted(crops_by_source(training).items()):
        write_text_atomic(out / f"{source_name}_list.txt", "".join(f"{n}\n" for n in names))
    return manifest.counts


def crops_by_source(names) -> dict[str, list[str]]:
    """{source: sorted crop names} from names such as `fasseg_V2_Train_1` (the pseudo-label
    job's, its source first)."""
    out: dict[str, list[str]] = {}
    for name in sorted(names):
        out.setdefault(name.split("_", 1)[0], []).append(name)
    return out
