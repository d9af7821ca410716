"""Tests of faceparse.jobs.self_labels."""

from __future__ import annotations

import numpy as np

from faceparse.jobs.self_labels import PART_CLASSES, fuse_parts
from faceparse.labels import IGNORE_INDEX, LAPA

L = LAPA.index


def test_fuse_parts_lets_a_confident_parser_move_part_pixels_and_nothing_else():
    labels = np.array([[L("skin"), L("skin"), L("hair"), L("background"), IGNORE_INDEX]], np.uint8)
    probs = np.zeros((11, 1, 5), np.float32)
    probs[L("l_eye")] = [0.9, 0.5, 0.9, 0.9, 0.9]
    probs[L("skin")] = [0.1, 0.5, 0.1, 0.1, 0.1]
    # prior 0.5 over 9 classes: skin weighs 0.5 + 0.5 / 9, l_eye 0.5 / 9. Pixel 0: 0.9 × 0.056 =
    # 0.050 against 0.1 × 0.556 = 0.056 -> stays skin; at prior 0.2 (0.089 / 0.289): 0.080
    # against 0.029 -> l_eye.
    assert fuse_parts(probs, labels, 0.5, LAPA).tolist() == labels.tolist()
    out = fuse_parts(probs, labels, 0.2, LAPA)
    assert out[0, 0] == L("l_eye") and out[0, 1] == L("skin")
    assert out[0, 2:].tolist() == [L("hair"), L("background"), IGNORE_INDEX]  # never touched
    assert len(PART_CLASSES) == 9


def test_self_label_relabels_only_the_celeb1k_training_crops(tmp_path):
    import cv2
    from skimage import data

    from faceparse.imageio import read_label_ids, write_png_atomic
    from faceparse.jobs.self_labels import self_label
    from faceparse.models.files import shipped

    src = tmp_path / "data"
    crop = cv2.resize(data.astronaut()[20:300, 120:400], (128, 128))
    labels = np.full((128, 128), L("skin"), np.uint8)  # everything skin: eyes, nose and lips too
    labels[:10] = L("hair")
    for name in ("celeb1k_a", "fasseg_b", "celeb1k_c"):
        write_png_atomic(src / "images" / f"{name}.png", crop)
        write_png_atomic(src / "labels" / f"{name}.png", labels)
    (src / "images" / "celeb1k_bad.png").write_bytes(b"not a png")  # damaged: kept, recorded
    write_png_atomic(src / "labels" / "celeb1k_bad.png", labels)
    write_png_atomic(src / "images" / "celeb1k_small.png", crop[:64, :64])  # labels don't fit
    write_png_atomic(src / "labels" / "celeb1k_small.png", labels)
    (src / "train_list.txt").write_text("celeb1k_a\nfasseg_b\nceleb1k_bad\nceleb1k_small\n")
    (src / "val_list.txt").write_text("celeb1k_c\n")
    counts = self_label(src, shipped("rgb_lapa.safetensors"), tmp_path / "r1")
    assert counts["relabelled"] == 1 and counts["pixels_changed"] > 0
    reasons = {e["name"]: e["reason"] for e in counts["failed"]}
    assert (
        set(reasons) == {"celeb1k_bad", "celeb1k_small"}
        and "celeb1k_bad.png" in reasons["celeb1k_bad"]
    )
    assert "(128, 128)" in reasons["celeb1k_small"]
    for name in ("celeb1k_bad", "celeb1k_small"):
        assert np.array_equal(read_label_ids(tmp_path / "r1" / "labels" / f"{name}.png"), labels)
    names = {"a": "celeb1k_a", "b": "fasseg_b", "c": "celeb1k_c"}
    out = {k: read_label_ids(tmp_path / "r1" / "labels" / f"{n}.png") for k, n in names.items()}
    assert np.array_equal(out["b"], labels) and np.array_equal(out["c"], labels)
    assert (out["a"][:10] == L("hair")).all()  # hair is never relabelled
    assert set(np.unique(out["a"][10:])) > {L("skin")}  # the parser found parts in the face
    assert (tmp_path / "r1" / "train_list.txt").read_text().startswith("celeb1k_a\nfasseg_b\n")
