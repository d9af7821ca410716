"""Tests of faceparse.training.trainer."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from training_runs import killed_after, losses, tiny

from faceparse.errors import ModelFileError
from faceparse.training.trainer import Trainer


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
    with pytest.raises(ModelFileError, match="none of this mode"):
        Trainer(tiny(tmp_path / "c", "mode=depth", f"model.init={start}", "data.val_split=null"))


def test_resume_reproduces_the_next_step_loss(tmp_path):
    common = ["optim.steps=4", "checkpoint_every=2", "data.val_split=null"]
    straight = tiny(tmp_path / "a", *common)
    Trainer(straight).fit()

    broken = tiny(tmp_path / "b", *common)
    with pytest.raises(KeyboardInterrupt):
        Trainer(broken).fit(progress=killed_after(2))
    assert torch.load(Path(broken.out) / "last.pt", weights_only=False)["step"] == 2
    Trainer(broken, resume=True).fit()
    a, b = losses(Path(straight.out)), losses(Path(broken.out))
    assert b[3] == pytest.approx(a[3], rel=1e-5) and b[4] == pytest.approx(a[4], rel=1e-5)


def test_resuming_another_run_is_a_one_line_error_and_force_resume_goes_on(tmp_path):
    from faceparse.errors import ConfigError

    first = tiny(tmp_path, "mode=rgb", "optim.steps=1", "data.val_split=null")
    Trainer(first).fit()
    other_mode = tiny(tmp_path, "mode=depth", "optim.steps=2", "data.val_split=null")
    with pytest.raises(ConfigError, match="a mode rgb run, and this config trains mode depth"):
        Trainer(other_mode, resume=True)
    with pytest.raises(ConfigError, match="a mode rgb run"):  # no force for other networks
        Trainer(other_mode, resume=True, force_resume=True)
    bigger = tiny(
        tmp_path, "mode=rgb", "optim.steps=2", "optim.batch_size=3", "data.val_split=null"
    )
    with pytest.raises(ConfigError, match=r"optim.batch_size 4 -> 3\); use the run.s own"):
        Trainer(bigger, resume=True)
    assert Trainer(bigger, resume=True, force_resume=True).step == 1


def test_an_empty_training_split_is_a_one_line_error(tmp_path):
    from faceparse.errors import ConfigError

    root = tmp_path / "empty"
    (root / "images").mkdir(parents=True)
    (root / "labels").mkdir()
    (root / "train_list.txt").write_text("")
    cfg = tiny(
        tmp_path, "mode=rgb", "data.dataset=folder", f"data.root={root}", "data.val_split=null"
    )
    with pytest.raises(ConfigError, match="empty: no train samples in this folder dataset"):
        Trainer(cfg).fit()
