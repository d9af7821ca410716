import json

import numpy as np
import pytest
from paths import MODELS, TEACHER, needs_models

from faceparse.depth.head_regions import REGIONS, HeadRegionMap
from faceparse.face.landmarks import face_oval
from faceparse.jobs.celebamask_labels import celebamask_labels, scalp_covered
from faceparse.labels import CELEBAMASK_HQ, IGNORE_INDEX, LAPA

C, L = CELEBAMASK_HQ.index, LAPA.index


def _head(shape=(40, 40)) -> HeadRegionMap:
    """Face outline: a circle of radius 8 around (20, 15); ears beside it, neck below."""
    points = np.zeros((468, 3))
    oval = face_oval()
    t = np.linspace(0, 2 * np.pi, len(oval), endpoint=False)
    points[oval, 0], points[oval, 1] = 20 + 8 * np.cos(t), 15 + 8 * np.sin(t)
    regions = np.zeros(shape, np.uint8)
    regions[7:23, 12:29] = REGIONS.index("face")
    regions[12:18, 9:12] = REGIONS.index("right_ear")
    regions[12:18, 29:32] = REGIONS.index("left_ear")
    regions[23:32, 15:26] = REGIONS.index("neck")
    return HeadRegionMap(regions, points)


def test_ears_neck_and_cloth_come_from_head_and_teacher():
    lapa = np.zeros((40, 40), np.uint8)
    lapa[7:23, 12:29] = L("skin")
    lapa[12:18, 9:12] = L("skin")  # LaPa calls ears skin
    lapa[12:18, 29:32] = IGNORE_INDEX  # or ignores them (FASSEG's skin beyond the geometry)
    lapa[14, 20] = L("inner_mouth")
    lapa[10, 14] = L("l_eye")  # LaPa's l_eye: on the image's left
    lapa[0, 0] = IGNORE_INDEX
    teacher = np.zeros((3, 40, 40), np.float32)
    teacher[0, 23:32, 15:26] = 0.9  # neck skin
    teacher[0, 12:18, 29:32] = 0.9  # the left ear is skin to the teacher
    teacher[1, 32:, :] = 0.9  # clothes at the bottom
    teacher[1, 0:3, 30:] = 0.9  # and a dark background above the head, which is no cloth
    out = celebamask_labels(lapa, teacher, _head())
    # CelebAMask-HQ names the subject's sides: the ear and eye on the image's left are r_*
    assert (out[12:18, 9:12] == C("r_ear")).all()
    assert (out[12:18, 29:32] == C("l_ear")).all()
    assert out[10, 14] == C("r_eye")
    assert (out[24:32, 15:26] == C("neck")).all()
    assert (out[33:, :] == C("cloth")).all()
    assert (out[0:3, 30:] == C("background")).all()
    assert out[14, 20] == C("mouth") and out[15, 15] == C("skin") and out[0, 0] == IGNORE_INDEX


def test_without_a_fit_only_cloth_is_added():
    lapa = np.full((20, 20), L("skin"), np.uint8)
    lapa[15:] = L("background")
    teacher = np.zeros((3, 20, 20), np.float32)
    teacher[1] = 0.9
    out = celebamask_labels(lapa, teacher, None)
    assert (out[:15] == C("skin")).all()
    assert (out[15:] == C("cloth")).all()  # below 60% of the crop


def test_a_covered_scalp_is_labelled_hat_and_a_bare_one_is_left_alone():
    head = _head()
    head.regions[0:7, 10:31] = REGIONS.index("scalp")  # 147 scalp pixels above the face
    lapa = np.zeros((40, 40), np.uint8)
    lapa[7:23, 12:29] = L("skin")
    lapa[5:7, 10:31] = L("hair")  # 42 of them hair: 105 / 147 = 0.71 covered
    teacher = np.zeros((3, 40, 40), np.float32)
    bare = celebamask_labels(lapa, teacher, head)
    assert not (bare == C("hat")).any() and (bare[0:5, 10:31] == C("background")).all()
    assert scalp_covered(lapa, head) == pytest.approx(105 / 147)
    lapa[5:7, 10:31] = L("background")
    lapa[6, 10] = IGNORE_INDEX  # ignored is not covered (FASSEG ignores skin): stays ignored
    lapa[0, 0] = L("hair")  # outside the scalp: stays hair
    teacher[1, 0:3, 31:35] = 0.9  # the hat's brim beyond the scalp, clothes to the teacher
    teacher[1, 0:3, 37:] = 0.9  # clothes that do not touch the covered scalp: background
    covered = celebamask_labels(lapa, teacher, head)
    assert scalp_covered(lapa, head) == pytest.approx(146 / 147)
    hat = covered[0:7, 10:31] == C("hat")
    assert hat.sum() == 146 and covered[6, 10] == IGNORE_INDEX
    assert (covered[0:3, 31:35] == C("hat")).all()
    assert covered[0, 0] == C("hair") and (covered[0:7, 35:] == C("background")).all()
    assert (covered[3:7, 31:] == C("background")).all()


@needs_models
def test_the_job_writes_19_class_crops_records_damage_and_resumes(fasseg_root, tmp_path):
    import dataclasses

    import cv2

    from faceparse.datasets import open_dataset, write_folder_dataset
    from faceparse.jobs.celebamask_labels import make_celebamask_data

    test = open_dataset("fasseg", fasseg_root, "test")
    crops = []
    for i in range(2):
        s = test[i]
        h, w = s.image.shape[:2]
        square = s.image[(h - w) // 2 : (h - w) // 2 + w]  # the head, as a square crop
        image = cv2.resize(square, (256, 256), interpolation=cv2.INTER_AREA)
        lapa = np.full((256, 256), L("skin"), np.uint8)
        crops.append(dataclasses.replace(s, name=f"crop{i}", image=image, label=lapa))
    src = write_folder_dataset(tmp_path / "lapa", {"train": crops})
    (src / "labels" / f"{crops[1].name}.png").write_bytes(b"not a png")
    out = tmp_path / "celebamask"
    counts = make_celebamask_data(src, out, TEACHER, MODELS)
    assert counts == {"ok": 1, "no_face": 0, "failed": 1, "kept": 0}
    labels = cv2.imread(str(out / "labels" / f"{crops[0].name}.png"), cv2.IMREAD_UNCHANGED)
    assert (labels == C("neck")).sum() > 100  # a FASSEG head shot shows its neck
    assert (out / "train_list.txt").read_text().split() == [crops[0].name]
    assert (out / "headwear_list.txt").read_text() == ""  # a bare head: no hat
    assert (out / "crop0_list.txt").read_text() == "crop0\n"  # its source: the name's first part
    fitted = json.loads((out / "manifest.jsonl").read_text().splitlines()[0])
    assert fitted["scalp_covered"] == 0.0  # labelled skin all over: nothing covers the scalp
    assert fitted["status"] == "ok" and fitted["head_fit"] is True
    again = make_celebamask_data(src, out, TEACHER, MODELS)
    assert again == {"ok": 0, "no_face": 0, "failed": 0, "kept": 2}
    # A run killed mid-write leaves a torn line; the next run does that crop again.
    manifest = out / "manifest.jsonl"
    lines = manifest.read_text().splitlines()
    manifest.write_text("\n".join([lines[0], lines[1][:10]]) + "\n")
    torn = make_celebamask_data(src, out, TEACHER, MODELS)
    assert torn["kept"] == 1 and torn["ok"] + torn["failed"] == 1


def test_crops_are_listed_by_source_the_first_part_of_their_names():
    from faceparse.jobs.celebamask_labels import crops_by_source

    names = ["fasseg_V3_+90_2", "celeb1k_27636", "fasseg_V2_Train_1", "celeb1k_100"]
    assert crops_by_source(names) == {
        "celeb1k": ["celeb1k_100", "celeb1k_27636"],
        "fasseg": ["fasseg_V2_Train_1", "fasseg_V3_+90_2"],
    }
