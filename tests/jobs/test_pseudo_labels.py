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
    pseudo = np.array(
        [
            [L("skin"), L("l_brow"), L("l_eye"), L("u_lip"), L("background"), L("skin"), L("r_eye")]
            + [L("skin"), L("skin")]
        ],
        np.uint8,
    )
    coarse = np.array(
        [
            [F("nose"), F("hair"), F("skin"), F("mouth"), F("skin"), F("eyes"), F("eyes")]
            + [F("hair"), F("mouth")]
        ],
        np.uint8,
    )
    fused = fuse_with_coarse(pseudo, coarse)
    # nose settled by truth; brow inside FASSEG hair kept; an eye on true skin -> skin;
    # lip inside mouth kept; skin the mesh calls background (neck) -> ignored; a true eye pixel
    # the mesh calls skin -> the nearer pseudo eye's side (r_eye at x=6, l_eye at x=2); true
    # hair the mesh calls skin -> hair; true mouth the mesh calls skin -> ignored
    assert fused.tolist() == [
        [L("nose"), L("l_brow"), L("skin"), L("u_lip"), IGNORE_INDEX, L("r_eye"), L("r_eye")]
        + [L("hair"), IGNORE_INDEX]
    ]


def test_coarse_only_labels_take_eye_sides_from_the_keypoints_and_ignore_the_mouth():
    from stand_ins import face_at

    from faceparse.jobs.pseudo_labels import coarse_only

    L, F = LAPA.index, FASSEG.index
    coarse = np.full((40, 60), F("skin"), np.uint8)
    coarse[:, :5] = F("background")
    coarse[8:12, 15:25] = F("eyes")  # near the subject's right eye at (20, 10)
    coarse[8:12, 35:45] = F("eyes")  # near the left one at (40, 10)
    coarse[25:30, 25:35] = F("mouth")
    coarse[0:3, 10:50] = F("hair")
    out = coarse_only(coarse, face_at(30, 10, 20))
    assert (out[8:12, 15:25] == L("l_eye")).all() and (out[8:12, 35:45] == L("r_eye")).all()
    assert (out[25:30, 25:35] == IGNORE_INDEX).all()
    assert out[0, 20] == L("hair") and out[20, 2] == L("background") and out[20, 30] == L("skin")


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
    assert counts == {"ok": 1, "no_face": 1, "failed": 2, "kept": 0}
    manifest = [json.loads(x) for x in (out / "manifest.jsonl").read_text().splitlines()]
    reasons = {e["name"]: e.get("reason", "") for e in manifest if e["status"] == "failed"}
    assert set(reasons) == {"3.jpg", "4_hair.png"} and "file not found" in reasons["4_hair.png"]
    crops = FolderDataset(out, "train")
    assert [s.name for s in crops] == ["celeb1k_1"]
    label = crops[0].label
    assert label.shape == (64, 64) and (label == LAPA.index("hair")).any()
    assert (label == LAPA.index("nose")).sum() > 0
    again = make_training_crops(celeb1k_sources(root, ["train"]), out, None, size=64)
    assert again["kept"] == 2 and again["ok"] == 0
