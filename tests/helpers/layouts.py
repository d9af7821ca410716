"""Writers of tiny datasets in each official layout, from synthetic faces with known labels.

Test helpers only: the readers under test must recover exactly what these wrote.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from faceparse.datasets.synthetic import synthetic_dataset
from faceparse.labels import CELEBAMASK_HQ, FASSEG, HELEN, LAPA, convert_labels


def _save(path: Path, array: np.ndarray, **kw) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(array).save(path, **kw)


def write_celebamask_hq(root: Path, ids_by_split: dict[str, list[int]], size: int = 64) -> dict:
    """Photos at 2× the mask size (as the real 1024²/512²); returns {id: label (celebamask-hq)}."""
    all_ids = [i for ids in ids_by_split.values() for i in ids]
    faces = synthetic_dataset(len(all_ids), seed=1, size=size, space=CELEBAMASK_HQ)
    labels = {}
    codes = {"train": 0, "val": 1, "test": 2}
    mapping_lines = ["idx orig_idx orig_file"]
    partition_lines = []
    for n, (hq_id, face) in enumerate(zip(all_ids, faces, strict=True)):
        split = next(s for s, ids in ids_by_split.items() if hq_id in ids)
        big = cv2.resize(face.image, (2 * size, 2 * size), interpolation=cv2.INTER_LINEAR)
        _save(root / "CelebA-HQ-img" / f"{hq_id}.jpg", big, quality=95)
        folder = root / "CelebAMask-HQ-mask-anno" / str(hq_id // 2000)
        skin = CELEBAMASK_HQ.index("skin")
        for class_id, part in enumerate(CELEBAMASK_HQ.classes[1:], start=1):
            mask = face.label == class_id
            if part == "skin":
                # Real skin masks run under the eyes, nose and lips; the merge order must fix that.
                inner = [CELEBAMASK_HQ.index(c) for c in ("nose", "l_eye", "r_eye", "u_lip")]
                mask = mask | np.isin(face.label, inner)
            if mask.any():
                _save(folder / f"{hq_id:05d}_{part}.png", (mask * 255).astype(np.uint8))
        assert (face.label == skin).any()
        orig = f"{100000 + n:06d}.jpg"
        mapping_lines.append(f"{hq_id} {100000 + n - 1} {orig}")
        partition_lines.append(f"{orig} {codes[split]}")
        labels[hq_id] = face.label
    (root / "CelebA-HQ-to-CelebA-mapping.txt").write_text("\n".join(mapping_lines) + "\n")
    (root / "list_eval_partition.txt").write_text("\n".join(partition_lines) + "\n")
    return labels


def write_lapa(root: Path, counts: dict[str, int], size: int = 64) -> dict:
    labels = {}
    for k, (split, n) in enumerate(counts.items()):
        for face in synthetic_dataset(n, seed=10 + k, size=size, space=LAPA, prefix=f"{split}_"):
            base = root / split
            _save(base / "images" / f"{face.name}.jpg", face.image, quality=95)
            _save(base / "labels" / f"{face.name}.png", face.label)
            (base / "landmarks").mkdir(parents=True, exist_ok=True)
            pts = "\n".join("10.0 20.0" for _ in range(106))
            (base / "landmarks" / f"{face.name}.txt").write_text(f"106\n{pts}\n")
            labels[face.name] = face.label
    return labels


def write_helen(root: Path, counts: dict[str, int], size: int = 64) -> dict:
    list_files = {"train": "exemplars.txt", "val": "tuning.txt", "test": "testing.txt"}
    labels = {}
    for k, (split, n) in enumerate(counts.items()):
        faces = synthetic_dataset(n, seed=20 + k, size=size, space=HELEN, prefix=f"{1000 * k}_")
        lines = []
        for j, face in enumerate(faces, start=1):
            _save(root / "images" / f"{face.name}.jpg", face.image, quality=95)
            for c in range(HELEN.num_classes):
                # Soft class maps, as in the release: the true class is brightest.
                soft = np.where(face.label == c, 230, 20).astype(np.uint8)
                _save(root / "labels" / face.name / f"{face.name}_lbl{c:02d}.png", soft)
            lines.append(f"{j} , {face.name}")
            labels[face.name] = face.label
        (root / list_files[split]).write_text("\n".join(lines) + "\n")
    return labels


def colour_label(label: np.ndarray, antialias: bool = True) -> np.ndarray:
    rgb = FASSEG.colorize(label)
    if antialias:  # FASSEG's labels were drawn with anti-aliasing: blend colours along edges
        rgb = cv2.GaussianBlur(rgb, (3, 3), 0.8)
    return rgb


def write_fasseg(root: Path, train: int = 3, test: int = 2, v3_poses=("0", "+45")) -> dict:
    labels = {}
    for phase, n, seed in (("Train", train, 30), ("Test", test, 31)):
        for j, face in enumerate(synthetic_dataset(n, seed=seed, space=FASSEG), start=1):
            _save(root / "V2" / f"{phase}_RGB" / f"{j}.png", face.image)
            _save(root / "V2" / f"{phase}_Labels" / f"{j}.png", colour_label(face.label))
            labels[f"V2/{phase}/{j}"] = face.label
    for k, pose in enumerate(v3_poses):
        for j, face in enumerate(synthetic_dataset(2, seed=40 + k, space=FASSEG)):
            stem = f"personne{j:02d}1{k}+0{pose}"
            _save(root / "V3" / "Train_RGB" / pose / f"{stem}.png", face.image)
            _save(root / "V3" / "Train_labels" / pose / f"{stem}.png", colour_label(face.label))
            labels[f"V3/{pose}/{stem}"] = face.label
    return labels


def celeb_to(label: np.ndarray, space) -> np.ndarray:
    return convert_labels(label, CELEBAMASK_HQ, space)


def break_samples(root, labels):
    names = sorted(labels)
    (root / "train" / "labels" / f"{names[0]}.png").unlink()  # missing label
    (root / "train" / "images" / f"{names[1]}.jpg").write_bytes(b"not a jpeg")  # unreadable
    bad = labels[names[2]].copy()
    bad[:2, :2] = 42
    Image.fromarray(bad).save(root / "train" / "labels" / f"{names[2]}.png")  # bad ids
    Image.fromarray(np.zeros((8, 8, 3), np.uint8)).save(
        root / "train" / "images" / f"{names[3]}.jpg"
    )
    return names
