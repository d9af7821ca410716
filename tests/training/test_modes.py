"""Tests of faceparse.training.modes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from paths import SMOKE
from training_runs import tiny

from faceparse.datasets.synthetic import synthetic_dataset
from faceparse.errors import ConfigError
from faceparse.training.config import MODES, load_config
from faceparse.training.modes import TRAINING_MODES, Batch, OcclusionDistillMode, Step
from faceparse.training.trainer import Trainer


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
    batch = Batch.collate(next(iter(trainer.loader(0, 1))))
    n, k = batch.visible.shape[:2]
    logits = torch.randn(n, 11, *batch.rgb.shape[2:]).repeat_interleave(k, 0)
    step = Step(trainer, lr=0.0)
    kl, consistency, labels = OcclusionDistillMode.occlusion_terms(step, batch, logits)
    assert float(consistency) < 1e-6
    assert kl > 0  # the teacher (uniform) disagrees with random logits
    assert (labels[~batch.visible.flatten(0, 1)] == 0).all()


def test_amodal_distillation_keeps_the_labels_and_the_teacher_under_the_occluders(tmp_path):
    args = ["mode=occlusion-distill", "distill.copies=2", "model.parser=student"]
    args += ["data.val_split=null"]
    teacher = lambda x: torch.zeros(x.shape[0], 11, *x.shape[2:])  # noqa: E731
    runs = {
        amodal: Trainer(
            tiny(tmp_path / str(amodal), *args, f"distill.amodal={amodal}"), teacher=teacher
        )
        for amodal in (False, True)
    }
    batch = Batch.collate(next(iter(runs[False].loader(0, 1))))
    hidden = ~batch.visible.flatten(0, 1)
    assert hidden.any()  # the loader drew occluders
    n, k = batch.visible.shape[:2]
    logits = torch.randn(n * k, 11, *batch.rgb.shape[2:])
    got = {
        a: OcclusionDistillMode.occlusion_terms(Step(t, lr=0.0), batch, logits)
        for a, t in runs.items()
    }
    true_labels = batch.label.repeat_interleave(k, 0)
    assert (got[False][2][hidden] == 0).all()
    assert torch.equal(got[True][2], true_labels)  # the face beneath, labelled as it is
    assert got[True][0] != got[False][0]  # the KL counts the hidden pixels too


def test_every_configured_mode_has_one_class_and_builds_its_networks():
    assert tuple(TRAINING_MODES) == MODES
    cfg = load_config(SMOKE, ["model.parser=student", "model.adversarial=true"])
    built = {name: set(cls().build_networks(cfg, 11)) for name, cls in TRAINING_MODES.items()}
    assert built == {
        "rgb": {"rgb"},
        "depth": {"depth"},
        "mutual": {"rgb", "depth"},
        "mutual-translate": {"rgb", "depth", "translator", "discriminator"},
        "distill": {"rgb"},
        "occlusion-distill": {"rgb"},
    }
    assert [m.name for m in TRAINING_MODES.values() if m.uses_depth] == [
        "depth",
        "mutual",
        "mutual-translate",
    ]


def test_batch_collates_loader_dicts_and_moves_to_a_device():
    labelled = {
        "rgb": torch.zeros(2, 3, 8, 8),
        "label": torch.zeros(2, 8, 8, dtype=torch.long),
        "skipped": ["", "a.png: damaged"],
    }
    batch = Batch.collate(labelled, {"rgb": torch.ones(3, 3, 8, 8), "skipped": ["", "", ""]})
    assert batch.unlabelled.shape == (3, 3, 8, 8) and batch.depth is None
    assert batch.skipped == ["", "a.png: damaged", "", "", ""]
    moved = batch.to(torch.device("cpu"), channels_last=True)
    assert moved.rgb.is_contiguous(memory_format=torch.channels_last)
    assert moved.label.shape == (2, 8, 8)


@pytest.mark.parametrize(
    "mode,extra",
    [(m, []) for m in MODES if "distill" not in m]  # distillation needs a teacher: own tests
    + [("mutual-translate", ["data.depth_label_fraction=0.25", "loss={ohem: {}, mutual_kl: {}}"])],
)
def test_a_few_steps_lower_the_loss_in_every_mode(tmp_path, mode, extra):
    cfg = tiny(tmp_path, f"mode={mode}", "data.val_split=null", "optim.warmup_steps=0", *extra)
    trainer = Trainer(cfg)
    batch = next(iter(trainer.loader(0, 1)))
    first = trainer.train_step(batch)["loss"]
    for _ in range(5):
        last = trainer.train_step(batch)["loss"]
    assert last < 0.9 * first, (mode, first, last)


def test_distillation_skips_and_records_a_damaged_photo(tmp_path):
    from PIL import Image

    photos = tmp_path / "photos"
    photos.mkdir()
    for face in synthetic_dataset(2, seed=3, size=64, space="lapa"):
        Image.fromarray(face.image).save(photos / f"{face.name}.png")
    (photos / "broken.jpg").write_bytes(b"\xff\xd8 not a jpeg")
    cfg = tiny(
        tmp_path,
        "mode=distill",
        f"distill.unlabelled={photos}",
        "model.parser=student",
        "data.val_split=null",
    )
    trainer = Trainer(cfg, teacher=lambda x: torch.zeros(x.shape[0], 11, *x.shape[2:]))
    assert len(trainer.unlabelled_source) == 2
    logged = [json.loads(x) for x in (Path(cfg.out) / "metrics.jsonl").read_text().splitlines()]
    assert any("broken.jpg" in r.get("skipped", "") for r in logged)


@pytest.mark.parametrize("augment", ["loader", "device"])
def test_scarce_depth_gives_the_depth_parser_only_real_maps_and_translations(tmp_path, augment):
    """real_depth_fraction 0.25 of the 8 generated images: 2 have a depth map. An image without
    one carries a blank map the depth parser never sees, no depth label and no translation L1."""
    cfg = tiny(
        tmp_path,
        "mode=mutual-translate",
        "data.real_depth_fraction=0.25",
        f"data.augment={augment}",
        "data.val_split=null",
        "optim.warmup_steps=0",
    )
    trainer = Trainer(cfg)
    assert trainer.real_depth.sum() == 2
    batch = next(iter(trainer.loader(0, 1)))
    has = batch["has_depth"]
    assert has.dtype == torch.bool and 0 < has.sum() < len(has)  # seed 0 draws a mixed batch
    assert (batch["depth"][~has] == 0).all() and (batch["depth"][has] > 0).any()
    depth_net = trainer.models["depth"]
    seen = []
    handle = depth_net.register_forward_pre_hook(lambda _, args: seen.append(args[0].shape[0]))
    parts = trainer.train_step(batch)
    handle.remove()
    n = len(has)
    assert seen == [int(has.sum()) + n]  # real maps of those that have one, then n translations
    assert parts["translator/l1"] > 0 and "depth/ce" in parts and "translated/ce" in parts


def test_scarce_depth_needs_the_translator():
    with pytest.raises(ConfigError, match="real_depth_fraction < 1 needs mode mutual-translate"):
        load_config(None, ["mode=mutual", "data.real_depth_fraction=0.1"])
