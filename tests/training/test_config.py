"""Tests of faceparse.training.config."""

from __future__ import annotations

import re

import pytest
from training_runs import tiny

from faceparse.errors import ConfigError
from faceparse.training.config import load_config


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
