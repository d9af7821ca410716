"""Tests of faceparse.training.teacher."""

from __future__ import annotations

from pathlib import Path

import pytest
from training_runs import tiny
from typer.testing import CliRunner

from faceparse.cli import app
from faceparse.errors import ConfigError, ModelFileError
from faceparse.training.config import load_config
from faceparse.training.trainer import Trainer


def test_distillation_from_a_checkpoint_and_from_onnx(tmp_path):
    from faceparse.models.files import checkpoint_networks
    from faceparse.models.onnx import export_onnx

    teacher_cfg = tiny(tmp_path / "teacher", "mode=rgb", "optim.steps=2", "data.val_split=null")
    Trainer(teacher_cfg).fit()
    teacher_pt = Path(teacher_cfg.out) / "last.pt"
    teacher_onnx = export_onnx(
        checkpoint_networks(teacher_pt).network("rgb"),
        tmp_path / "teacher.onnx",
        3,
        64,
        {"label_space": "lapa"},
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
    with pytest.raises(ConfigError, match="needs distill.teacher"):
        Trainer(tiny(tmp_path / "none", "mode=distill"))


def test_bad_checkpoints_configs_and_teachers_are_named(tmp_path):
    bad = tmp_path / "bad.pt"
    bad.write_bytes(b"not a checkpoint")
    res = CliRunner().invoke(app, ["eval", str(bad), "-d", "folder", "--root", str(tmp_path)])
    assert res.exit_code == 2 and "bad.pt: not a readable checkpoint" in " ".join(
        res.output.split()
    )
    listed = tmp_path / "list.yaml"
    listed.write_text("- mode: rgb\n")
    with pytest.raises(ConfigError, match="list.yaml: a training config is a YAML mapping"):
        load_config(listed)
    from faceparse.training.teacher import load_teacher

    (tmp_path / "t.onnx").write_bytes(b"")
    with pytest.raises(ModelFileError, match=r"t.onnx.json: the teacher's description"):
        load_teacher(tmp_path / "t.onnx", 11)
