"""Which networks a training mode builds, and loading them back from a checkpoint."""

from __future__ import annotations

from pathlib import Path

import torch

from ..labels import get_label_space
from ..models import PatchDiscriminator, UNetTranslator, build_parser
from .checkpoint import load_checkpoint
from .config import TrainConfig, config_from_dict


def build_models(config: TrainConfig, num_classes: int) -> dict[str, torch.nn.Module]:
    m = config.model
    models: dict[str, torch.nn.Module] = {}
    if config.uses_rgb:
        models["rgb"] = build_parser(m.parser, num_classes, 3)
    if config.uses_depth:
        models["depth"] = build_parser(m.parser, num_classes, 1)
    if config.mode == "mutual-translate":
        models["translator"] = UNetTranslator(3, 1, m.translator_width)
        if m.adversarial:
            models["discriminator"] = PatchDiscriminator(4, m.translator_width)
    return models


def load_trained(checkpoint: str | Path) -> tuple[TrainConfig, dict[str, torch.nn.Module], str]:
    """(config, networks in eval mode, label space name) from a checkpoint file."""
    state = load_checkpoint(checkpoint)
    cfg = config_from_dict(state["config"])
    space = get_label_space(state["label_space"])
    models = build_models(cfg, space.num_classes)
    for name, model in models.items():
        model.load_state_dict(state["models"][name])
        model.eval()
    return cfg, models, space.name
