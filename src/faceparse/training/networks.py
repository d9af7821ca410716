"""Which networks a training mode builds."""

from __future__ import annotations

import torch

from ..models import PatchDiscriminator, UNetTranslator, build_parser
from .config import TrainConfig


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
