"""Synthetic occluders, occlusion augmentation and occlusion-robust distillation."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from test_training import tiny

from faceparse.datasets.occlusion import KINDS, OcclusionConfig, occlude
from faceparse.training.trainer import Trainer


def test_occluders_are_reproducible_and_their_mask_is_what_changed():
    image = np.full((96, 96, 3), 7, np.uint8)
    for kind in KINDS:
        cfg = OcclusionConfig(kinds=(kind,))
        a, mask_a = occlude(image, np.random.default_rng(5), cfg)
        b, mask_b = occlude(image, np.random.default_rng(5), cfg)
        assert np.array_equal(a, b) and np.array_equal(mask_a, mask_b)
        assert 0.01 < mask_a.mean() < 0.5, kind
        # nothing outside the mask changes
        assert np.array_equal(a[~mask_a], image[~mask_a])
        # the occluder sits around the crop centre, where aligned faces are
        ys, xs = np.nonzero(mask_a)
        assert abs(ys.mean() - 48) < 40 and abs(xs.mean() - 48) < 40


def test_occlusion_augmentation_labels_covered_pixels_background(tmp_path):
    cfg = tiny(tmp_path, "mode=rgb", "data.occlusion=1.0", "data.val_split=null")
    trainer = Trainer(cfg)
    clean = Trainer(tiny(tmp_path / "clean", "mode=rgb", "data.val_split=null"))
    a, b = next(iter(trainer.loader(0, 1))), next(iter(clean.loader(0, 1)))
    changed = (a["rgb"] != b["rgb"]).any(1)
    assert changed.any()
    assert (a["label"][changed] == 0).all()  # occluded -> background
    assert torch.equal(a["label"][~changed], b["label"][~changed])


def test_occlusion_distillation_uses_clean_teacher_and_occluded_copies(tmp_path):
    seen = []

    def teacher(x):
        seen.append(x)
        return torch.zeros(x.shape[0], 11, *x.shape[2:])

    cfg = tiny(
        tmp_path,
        "mode=occlusion-distill",
        "distill.copies=3",
        "model.parser=student",
        "data.val_split=null",
        "optim.warmup_steps=0",
    )
    trainer = Trainer(cfg, teacher=teacher)
    batch = next(iter(trainer.loader(0, 1)))
    n = batch["rgb"].shape[0]
    assert batch["occluded"].shape == (n, 3, *batch["rgb"].shape[1:])
    assert batch["visible"].shape == (n, 3, *batch["rgb"].shape[2:])
    # each copy differs from the clean crop exactly where it is not visible
    differs = (batch["occluded"] != batch["rgb"][:, None]).any(2)
    assert torch.equal(differs, ~batch["visible"] & differs)
    assert (~batch["visible"]).any()
    first = trainer.train_step(batch)
    assert torch.equal(seen[0], batch["rgb"])  # the teacher saw the clean crops
    assert first["distill/kl"] > 0 and first["distill/consistency"] >= 0
    for _ in range(5):
        last = trainer.train_step(batch)
    assert last["loss"] < first["loss"]


def test_copies_that_agree_cost_no_consistency(tmp_path):
    cfg = tiny(
        tmp_path,
        "mode=occlusion-distill",
        "distill.copies=2",
        "model.parser=student",
        "data.val_split=null",
    )
    trainer = Trainer(cfg, teacher=lambda x: torch.zeros(x.shape[0], 11, *x.shape[2:]))
    batch = next(iter(trainer.loader(0, 1)))
    n, k = batch["visible"].shape[:2]
    logits = torch.randn(n, 11, *batch["rgb"].shape[2:]).repeat_interleave(k, 0)
    kl, consistency, labels = trainer._occlusion_terms(batch, logits)
    assert float(consistency) < 1e-6
    assert kl > 0  # the teacher (uniform) disagrees with random logits
    assert (labels[~batch["visible"].flatten(0, 1)] == 0).all()


def test_training_can_start_from_a_checkpoint(tmp_path):
    first = tiny(tmp_path / "a", "mode=rgb", "optim.steps=1", "data.val_split=null")
    Trainer(first).fit()
    start = Path(first.out) / "last.pt"
    cfg = tiny(
        tmp_path / "b",
        "mode=occlusion-distill",
        f"model.init={start}",
        f"distill.teacher={start}",
        "data.val_split=null",
    )
    trainer = Trainer(cfg)
    trained = torch.load(start, weights_only=False)["models"]["rgb"]
    for k, v in trainer.models["rgb"].state_dict().items():
        assert torch.equal(v, trained[k]), k
    with pytest.raises(ValueError, match="none of this mode"):
        Trainer(tiny(tmp_path / "c", "mode=depth", f"model.init={start}", "data.val_split=null"))
