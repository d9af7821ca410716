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


def test_a_config_states_only_what_differs_from_its_base(tmp_path):
    (tmp_path / "base.yaml").write_text(
        "mode: rgb\noptim: {steps: 300, lr: 0.01}\nloss: {ce: {weight: 1.0}}\n"
    )
    (tmp_path / "row.yaml").write_text(
        "base: base.yaml\nmode: mutual\noptim: {steps: 50}\nloss: {mutual_kl: {weight: 0.5}}\n"
    )
    cfg = load_config(tmp_path / "row.yaml")
    assert cfg.mode == "mutual"
    assert (cfg.optim.steps, cfg.optim.lr) == (50, 0.01)  # a section merges key by key
    assert cfg.loss == {"ce": {"weight": 1.0}, "mutual_kl": {"weight": 0.5}}


def test_a_base_loop_and_a_key_given_twice_are_refused(tmp_path):
    (tmp_path / "a.yaml").write_text("base: b.yaml\n")
    (tmp_path / "b.yaml").write_text("base: a.yaml\n")
    with pytest.raises(ConfigError, match="comes back"):
        load_config(tmp_path / "a.yaml")
    (tmp_path / "twice.yaml").write_text("optim: {steps: 5}\nmode: rgb\noptim: {lr: 0.1}\n")
    twice = r"twice.yaml: key 'optim' is given twice \(again on line 3\)"
    with pytest.raises(ConfigError, match=twice):
        load_config(tmp_path / "twice.yaml")


def test_a_misspelt_loss_term_or_option_is_one_line_naming_it(tmp_path):
    from faceparse.errors import ConfigError, UnknownNameError
    from faceparse.training.config import load_config

    cfg = tmp_path / "c.yaml"
    cfg.write_text("mode: rgb\nloss: {ce: {weight: 1.0}, mutual_kl: {temperatur: 2}}\n")
    with pytest.raises(ConfigError, match="loss.mutual_kl: unknown option 'temperatur'; known: "):
        load_config(cfg)
    cfg.write_text("mode: rgb\nloss: {cee: {weight: 1.0}}\n")
    with pytest.raises(UnknownNameError, match="unknown loss 'cee'"):
        load_config(cfg)
    cfg.write_text("mode: rgb\nloss: {ce: {weight: 0.5, aux_weight: 0.2}}\n")
    assert load_config(cfg).loss["ce"] == {"weight": 0.5, "aux_weight": 0.2}
