"""Tests of faceparse.training.augment: batched augmentation on the training device."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from training_runs import killed_after, losses, tiny

from faceparse.datasets.synthetic import synthetic_dataset
from faceparse.labels import CELEBAMASK_HQ, LAPA
from faceparse.normalization import normalize_rgb
from faceparse.training.augment import DecodedFaces, DeviceAugment, draw_params, letterbox
from faceparse.training.trainer import Trainer

IDENTITY = [1.0, 0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 0.0]


def batch_of(faces, params):
    rgb = torch.stack([torch.from_numpy(f.image).permute(2, 0, 1) for f in faces])
    label = torch.stack([torch.from_numpy(f.label.astype(np.int64)) for f in faces])
    depth = torch.stack([torch.from_numpy(f.depth)[None] for f in faces])
    return rgb, label, torch.tensor(params, dtype=torch.float32), depth


def test_identity_parameters_change_nothing():
    faces = synthetic_dataset(2, seed=1, size=32, space="lapa")
    rgb, label, params, depth = batch_of(faces, [IDENTITY, IDENTITY])
    out = DeviceAugment(LAPA)(rgb, label, params, depth, torch.tensor([True, False]))
    expected = np.stack([normalize_rgb(f.image) for f in faces])
    np.testing.assert_allclose(out["rgb"].numpy(), expected, atol=1e-3)
    assert torch.equal(out["label"], label)
    np.testing.assert_allclose(out["depth"].numpy()[:, 0] * 255, depth[:, 0].numpy(), atol=1e-3)
    assert torch.equal(out["depth_label"][0], label[0]) and (out["depth_label"][1] == 255).all()


def test_a_flip_mirrors_and_swaps_left_and_right():
    face = synthetic_dataset(1, seed=2, size=32, space="lapa")[0]
    flip = list(IDENTITY)
    flip[4] = 1.0
    rgb, label, params, _ = batch_of([face], [flip])
    out = DeviceAugment(LAPA)(rgb, label, params)
    expected = LAPA.flip_lut()[face.label[:, ::-1]]
    assert np.array_equal(out["label"][0].numpy(), expected)
    l_eye, r_eye = LAPA.index("l_eye"), LAPA.index("r_eye")
    assert (out["label"][0] == l_eye).sum() == (label[0] == r_eye).sum() > 0


def test_image_labels_and_depth_stay_aligned_under_random_parameters():
    faces = synthetic_dataset(4, seed=5, size=64, space=CELEBAMASK_HQ)
    rng = np.random.default_rng(0)
    rgb, label, params, depth = batch_of(faces, [draw_params(rng) for _ in faces])
    out = DeviceAugment(CELEBAMASK_HQ)(rgb, label, params, depth, torch.ones(4, dtype=torch.bool))
    not_head = [CELEBAMASK_HQ.index("background"), CELEBAMASK_HQ.index("cloth")]
    # synthetic depth is non-zero exactly on head and neck pixels: the same warp keeps that
    head = ~np.isin(out["label"].numpy(), not_head)
    assert np.array_equal(out["depth"].numpy()[:, 0] > 0, head)
    assert not torch.equal(out["label"], label)  # something moved


def test_letterbox_fits_the_whole_sample_and_pads_with_background():
    face = synthetic_dataset(1, seed=3, size=40, space="lapa")[0]
    tall = face.with_arrays(
        image=np.repeat(face.image, 2, 0), label=np.repeat(face.label, 2, 0), depth=None
    )
    boxed = letterbox(tall, 32)
    assert boxed.image.shape == (32, 32, 3) and boxed.label.shape == (32, 32)
    assert (boxed.label[:, :8] == 0).all() and (boxed.image[:, :8] == 0).all()  # side bars


def test_decoded_faces_draw_the_same_parameters_for_the_same_slot():
    faces = synthetic_dataset(3, seed=4, size=32, space="lapa")
    a = DecodedFaces(faces, 32, seed=7, depth_labelled=np.ones(3, bool), with_depth=True)
    b = DecodedFaces(faces, 32, seed=7, depth_labelled=np.ones(3, bool), with_depth=True)
    assert torch.equal(a[(2, 1)]["augment"], b[(2, 1)]["augment"])
    assert not torch.equal(a[(2, 1)]["augment"], a[(3, 1)]["augment"])
    assert a[(0, 0)]["rgb"].dtype == torch.uint8 and a[(0, 0)]["depth"].shape == (1, 32, 32)


def test_training_with_device_augmentation_learns_and_resumes_exactly(tmp_path):
    common = ["mode=mutual", "data.augment=device", "optim.steps=4", "checkpoint_every=2"]
    common += ["data.val_split=null", "optim.warmup_steps=0"]
    straight = tiny(tmp_path / "a", *common)
    Trainer(straight).fit()

    broken = tiny(tmp_path / "b", *common)
    with pytest.raises(KeyboardInterrupt):
        Trainer(broken).fit(progress=killed_after(2))
    Trainer(broken, resume=True).fit()
    a, b = losses(tmp_path / "a" / "run"), losses(tmp_path / "b" / "run")
    assert abs(b[4] - a[4]) <= 1e-5 * abs(a[4]) and abs(b[3] - a[3]) <= 1e-5 * abs(a[3])


def test_a_damaged_photo_gives_its_slot_to_the_next_readable_one():
    from faceparse.errors import DataError

    faces = synthetic_dataset(3, seed=6, size=32, space="lapa")

    class OneBroken(list):
        def __getitem__(self, i):
            if i == 1:
                raise DataError("faces/1.png", "unreadable", "cannot decode image")
            return super().__getitem__(i)

    decoded = DecodedFaces(OneBroken(faces), 32, 0, np.ones(3, bool), with_depth=False)
    item = decoded[(0, 1)]
    assert "faces/1.png: cannot decode image" in item["skipped"]
    assert torch.equal(item["rgb"], decoded[(0, 2)]["rgb"])  # slot 1 took sample 2
