"""Tests of faceparse.jobs.pseudo_labels."""

from __future__ import annotations

import json

import numpy as np
from PIL import Image
from skimage import data

from faceparse.jobs.pseudo_labels import fuse_with_coarse
from faceparse.labels import FASSEG, IGNORE_INDEX, LAPA


def test_fusing_pseudo_labels_with_coarse_ground_truth():
    L, F = LAPA.index, FASSEG.index
    pseudo = np.array([[L("skin"), L("l_brow"), L("l_eye"), L("u_lip"), L("background")]], np.uint8)
    coarse = np.array([[F("nose"), F("hair"), F("skin"), F("mouth"), F("skin")]], np.uint8)
    fused = fuse_with_coarse(pseudo, coarse)
    # nose settled by truth; brow inside FASSEG hair kept; an eye on true skin -> skin;
    # lip inside mouth kept; skin the mesh calls background (neck) -> ignored
    assert fused.tolist() == [[L("nose"), L("l_brow"), L("skin"), L("u_lip"), IGNORE_INDEX]]


def test_pseudo_label_job_records_bad_photos_goes_on_and_resumes(tmp_path):
    from faceparse.datasets import FolderDataset
    from faceparse.jobs.pseudo_labels import celeb1k_sources, make_training_crops

    root = tmp_path / "celeb1k"
    (root / "train" / "images").mkdir(parents=True)
    (root / "train" / "hair").mkdir()
    Image.fromarray(data.astronaut()).save(root / "train" / "images" / "1.jpg")
    hair = np.zeros((512, 512), np.uint8)
    hair[20:90, 170:280] = 255
    Image.fromarray(hair).save(root / "train" / "hair" / "1_hair.png")
    Image.fromarray(np.full((64, 64, 3), 128, np.uint8)).save(root / "train" / "images" / "2.jpg")
    Image.fromarray(hair[:64, :64]).save(root / "train" / "hair" / "2_hair.png")
    (root / "train" / "images" / "3.jpg").write_bytes(b"broken")
    Image.fromarray(hair).save(root / "train" / "hair" / "3_hair.png")
    Image.fromarray(data.astronaut()).save(root / "train" / "images" / "4.jpg")  # no hair mask
    out = tmp_path / "crops"
    counts = make_training_crops(celeb1k_sources(root, ["train"]), out, None, size=64)
    assert counts == {"written": 1, "kept": 0, "no_face": 1, "failed": 2}
    manifest = [json.loads(x) for x in (out / "manifest.jsonl").read_text().splitlines()]
    reasons = {e["name"]: e.get("reason", "") for e in manifest if e["status"] == "failed"}
    assert set(reasons) == {"3.jpg", "4_hair.png"} and "file not found" in reasons["4_hair.png"]
    crops = FolderDataset(out, "train")
    assert [s.name for s in crops] == ["celeb1k_1"]
    label = crops[0].label
    assert label.shape == (64, 64) and (label == LAPA.index("hair")).any()
    assert (label == LAPA.index("nose")).sum() > 0
    again = make_training_crops(celeb1k_sources(root, ["train"]), out, None, size=64)
    assert again["kept"] == 2 and again["written"] == 0
