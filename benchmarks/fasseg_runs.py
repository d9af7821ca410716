"""Shared by the FASSEG benchmark scripts: train one (config, seed) unless already done, score
it on V2 test, cache the scores beside the checkpoint, and format mean ± std."""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path

import numpy as np

from faceparse.training.config import config_from_dict, load_config
from faceparse.training.evaluate import evaluate
from faceparse.training.trainer import Trainer

ROOT = Path(__file__).parents[1]


def train_and_score(config_name, seed, overrides, test_samples, evaluations, **trainer_kw):
    """`evaluations`: [(network name in the checkpoint, modality)] to score after training.
    Returns {"train_seconds", "config", "<network>/<modality>": scores dict}."""
    cfg = run_config(config_name, seed, overrides)
    result_file = Path(cfg.out) / "test_scores.json"
    if result_file.is_file():
        cached = json.loads(result_file.read_text())
        # read back through the dataclasses, so fields added since then take their defaults
        if _settings(config_from_dict(cached["config"])) == _settings(cfg):
            return cached
        raise SystemExit(f"{result_file}: made with another config; delete {cfg.out} to redo it")
    trainer = Trainer(cfg, resume=(Path(cfg.out) / "last.pt").is_file(), **trainer_kw)
    t0 = time.perf_counter()
    trainer.fit()
    scores = {"train_seconds": time.perf_counter() - t0, "config": cfg.to_dict()}
    for network, modality in evaluations:
        s, err = evaluate(
            test_samples,
            modality,
            cfg.data.size,
            trainer.models[network],
            trainer.models.get("translator"),
        )
        scores[f"{network}/{modality}"] = {**s.to_dict(), **(err.to_dict() if err else {})}
    result_file.write_text(json.dumps(scores))
    return scores


def run_config(config_name: str, seed: int, overrides: list[str]):
    """The config of one run. Its folder is named by a digest of the config, so grids at other
    budgets (`--set optim.steps=...`) keep their own runs instead of colliding."""
    path = ROOT / "configs" / "fasseg" / f"{config_name}.yaml"
    cfg = load_config(path, [*overrides, f"seed={seed}"])
    digest = hashlib.sha1(json.dumps(_settings(cfg), sort_keys=True).encode()).hexdigest()[:8]
    cfg.out = str(ROOT / "runs" / "fasseg" / f"{config_name}-s{seed}-{digest}")
    return cfg


def _settings(cfg) -> dict:
    return {k: v for k, v in cfg.to_dict().items() if k != "out"}


def mean_std(values, digits: int = 3, scale: float = 1.0) -> str:
    v = np.asarray(values, float) * scale
    return f"{v.mean():.{digits}f} ± {v.std(ddof=1) if len(v) > 1 else 0:.{digits}f}"
