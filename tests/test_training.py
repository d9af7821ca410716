"""Training on generated RGB-D faces: every mode learns, resume is exact, eval matches the
metrics module, and DDP over gloo keeps replicas in sync."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from typer.testing import CliRunner

from faceparse.cli import app
from faceparse.datasets import write_folder_dataset
from faceparse.datasets.synthetic import synthetic_dataset
from faceparse.errors import ConfigError
from faceparse.metrics import ParsingEvaluator
from faceparse.training.config import MODES, load_config
from faceparse.training.evaluate import evaluate
from faceparse.training.trainer import Trainer

REPO = Path(__file__).parents[1]
SMOKE = REPO / "configs" / "synthetic" / "mutual_translate.yaml"


def tiny(tmp_path, *overrides):
    return load_config(SMOKE, [f"out={tmp_path / 'run'}", *overrides])


def losses(out: Path) -> dict[int, float]:
    lines = [json.loads(x) for x in (out / "metrics.jsonl").read_text().splitlines()]
    return {r["step"]: r["loss"] for r in lines if r["split"] == "train"}


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


def test_config_errors_are_clear(tmp_path):
    with pytest.raises(ValueError, match="unknown key"):
        tiny(tmp_path, "optim.lrr=1")
    with pytest.raises(ValueError, match="unknown mode"):
        tiny(tmp_path, "mode=magic")
    with pytest.raises(ConfigError, match="training config not found"):
        load_config(tmp_path / "none.yaml")


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("optim.steps=-1", "optim.steps must be positive, got -1"),
        ("optim.steps=ten", "optim.steps must be int, got 'ten'"),
        ("optim.steps=true", "optim.steps must be int, got True"),
        ("optim.batch_size=0", "optim.batch_size must be positive, got 0"),
        ("log_every=0", "log_every must be positive, got 0"),
        ("eval_every=-5", "eval_every must be positive"),
        ("optim.lr=0", "optim.lr must be positive"),
        ("optim.lr=fast", "optim.lr must be float, got 'fast'"),
        ("data.size=100", "data.size must be a multiple of 32"),
        ("data.num_workers=-1", "data.num_workers must not be negative"),
        ("data=3", "data is a section"),
        ("loss=3", "loss must be dict"),
        ("distill.temperature=0", "distill.temperature must be positive"),
        ("device=tpu", "device is auto, cpu or cuda"),
    ],
)
def test_bad_config_values_are_refused_before_training(tmp_path, override, message):
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_config(None, [override])


def test_resume_reproduces_the_next_step_loss(tmp_path):
    common = ["optim.steps=4", "checkpoint_every=2", "data.val_split=null"]
    straight = tiny(tmp_path / "a", *common)
    Trainer(straight).fit()

    def killed_after_two(batches, n):
        for i, batch in enumerate(batches):
            if i == 2:
                raise KeyboardInterrupt
            yield batch

    broken = tiny(tmp_path / "b", *common)
    with pytest.raises(KeyboardInterrupt):
        Trainer(broken).fit(progress=killed_after_two)
    assert torch.load(Path(broken.out) / "last.pt", weights_only=False)["step"] == 2
    Trainer(broken, resume=True).fit()
    a, b = losses(Path(straight.out)), losses(Path(broken.out))
    assert b[3] == pytest.approx(a[3], rel=1e-5) and b[4] == pytest.approx(a[4], rel=1e-5)


class FixedParser(torch.nn.Module):
    """Predicts a given label map (as confident logits), whatever the input."""

    def __init__(self, labels: np.ndarray, num_classes: int):
        super().__init__()
        onehot = torch.nn.functional.one_hot(torch.from_numpy(labels).long(), num_classes)
        self.logits = 10.0 * onehot.permute(0, 3, 1, 2).float()
        self.i = 0

    def forward(self, x):
        self.i += 1
        return self.logits[self.i - 1 : self.i]


def test_eval_numbers_match_the_metrics_module():
    samples = synthetic_dataset(3, seed=5, size=64, space="lapa")
    preds = np.stack([s.label.copy() for s in samples])
    preds[0, :10] = 1  # a band of "skin" where the truth differs
    preds[2, 30:40, 30:40] = 4
    scores, errors = evaluate(samples, "rgb", 64, FixedParser(preds, 11))
    ref = ParsingEvaluator("lapa")
    for p, s in zip(preds, samples, strict=True):
        ref.update(p, s.label)
    expected = ref.compute()
    assert errors is None
    assert scores.mean_f1 == pytest.approx(expected.mean_f1)
    assert scores.per_class_f1 == pytest.approx(expected.per_class_f1, nan_ok=True)
    wrong = sum(int((p != s.label).sum()) for p, s in zip(preds, samples, strict=True))
    assert scores.pixel_accuracy == pytest.approx(1 - wrong / (3 * 64 * 64))


def test_train_then_eval_from_the_command_line(tmp_path):
    cfg = ["--set", f"out={tmp_path / 'run'}", "--set", "optim.steps=2"]
    res = CliRunner().invoke(app, ["train", str(SMOKE), *cfg])
    assert res.exit_code == 0, res.output
    root = write_folder_dataset(
        tmp_path / "faces", {"test": synthetic_dataset(2, seed=9, size=64, space="lapa")}
    )
    ckpt = tmp_path / "run" / "last.pt"
    for modality in ("rgb", "depth", "translated"):
        args = [
            "eval",
            str(ckpt),
            "-d",
            "folder",
            "--root",
            str(root),
            "--split",
            "test",
            "--modality",
            modality,
            "--depth",
            str(root),
            "-o",
            str(tmp_path / modality),
        ]
        res = CliRunner().invoke(app, args)
        assert res.exit_code == 0, res.output
        scores = json.loads((tmp_path / modality / "scores.json").read_text())
        assert scores["num_images"] == 2 and 0 <= scores["pixel_accuracy"] <= 1
        assert ("depth_l1" in scores) == (modality == "translated")
    res = CliRunner().invoke(
        app, ["eval", str(tmp_path / "nothing.pt"), "-d", "folder", "--root", str(root)]
    )
    assert res.exit_code == 1 and "checkpoint not found" in res.output


def test_ddp_on_cpu_with_two_gloo_processes(tmp_path):
    out = tmp_path / "ddp"
    cmd = [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--nproc_per_node=2",
        "--master_port=29517",
        "-m",
        "faceparse",
        "train",
        str(SMOKE),
        "--set",
        f"out={out}",
        "--set",
        "mode=rgb",
        "--set",
        "optim.steps=3",
        "--set",
        "data.val_split=null",
    ]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=240, env=env)
    assert res.returncode == 0, res.stderr[-3000:]
    end = [json.loads(x) for x in (out / "metrics.jsonl").read_text().splitlines()][-1]
    assert end["split"] == "end" and end["world_size"] == 2
    assert end["ddp_max_parameter_spread"] == 0.0
    assert torch.load(out / "last.pt", weights_only=False)["step"] == 3


def test_distillation_from_a_checkpoint_and_from_onnx(tmp_path):
    from faceparse.models.onnx import export_onnx
    from faceparse.training.networks import load_trained

    teacher_cfg = tiny(tmp_path / "teacher", "mode=rgb", "optim.steps=2", "data.val_split=null")
    Trainer(teacher_cfg).fit()
    teacher_pt = Path(teacher_cfg.out) / "last.pt"
    _, models, _ = load_trained(teacher_pt)
    teacher_onnx = export_onnx(
        models["rgb"], tmp_path / "teacher.onnx", 3, 64, {"label_space": "lapa"}
    )

    for teacher in (teacher_pt, teacher_onnx):
        cfg = tiny(
            tmp_path / teacher.suffix[1:],
            "mode=distill",
            f"distill.teacher={teacher}",
            "model.parser=student",
            "data.val_split=null",
            "optim.warmup_steps=0",
        )
        trainer = Trainer(cfg)
        labelled = next(iter(trainer.loader(0, 1)))
        photos = next(iter(trainer.loader(0, 1, trainer.unlabelled_source)))
        assert (photos["label"] == 255).all()  # the distillation photos carry no labels
        first = trainer.train_step(labelled, photos)
        assert first["distill/kl"] > 0 and "rgb/ce" in first
        for _ in range(5):
            last = trainer.train_step(labelled, photos)
        assert last["loss"] < first["loss"]
    with pytest.raises(ValueError, match="needs distill.teacher"):
        Trainer(tiny(tmp_path / "none", "mode=distill"))


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


def test_a_damaged_training_photo_is_passed_over_and_recorded_once(tmp_path):
    faces = synthetic_dataset(3, seed=4, size=64, space="lapa")
    root = write_folder_dataset(tmp_path / "data", {"train": faces})
    damaged = next((root / "images").glob(f"{faces[1].name}.*"))
    damaged.write_bytes(b"\x89PNG truncated")
    cfg = tiny(
        tmp_path,
        "mode=rgb",
        "data.dataset=folder",
        f"data.root={root}",
        "data.val_split=null",
        "data.depth=null",
        "optim.steps=3",
        "optim.batch_size=3",
    )
    trainer = Trainer(cfg)
    batch = next(iter(trainer.loader(0, 1)))
    assert batch["rgb"].shape[0] == 3  # the slot of the damaged photo is filled, not dropped
    assert sum(damaged.name in s for s in batch["skipped"]) == 1
    assert trainer.fit()["step"] == 3
    logged = [json.loads(x) for x in (Path(cfg.out) / "metrics.jsonl").read_text().splitlines()]
    recorded = [r["skipped"] for r in logged if "skipped" in r]
    assert len(recorded) == 1 and damaged.name in recorded[0] and "cannot decode" in recorded[0]


def test_bad_checkpoints_configs_and_teachers_are_named(tmp_path):
    bad = tmp_path / "bad.pt"
    bad.write_bytes(b"not a checkpoint")
    res = CliRunner().invoke(app, ["eval", str(bad), "-d", "folder", "--root", str(tmp_path)])
    assert res.exit_code == 1 and "bad.pt: not a readable checkpoint" in " ".join(
        res.output.split()
    )
    listed = tmp_path / "list.yaml"
    listed.write_text("- mode: rgb\n")
    with pytest.raises(ValueError, match="list.yaml: a training config is a YAML mapping"):
        load_config(listed)
    from faceparse.training.teacher import load_teacher

    (tmp_path / "t.onnx").write_bytes(b"")
    with pytest.raises(FileNotFoundError, match=r"t.onnx.json: the teacher's description"):
        load_teacher(tmp_path / "t.onnx", 11)
