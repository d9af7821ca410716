"""What a parser-loss term sees, and how the training config combines terms.

Every term is a callable `term(out: ParserOutputs) -> scalar tensor`, built from its config
entry's keyword arguments. `ParserLoss` sums the weighted terms and reports each one, so a new
loss is one module plus one line in `faceparse.losses.PARSER_LOSSES` — the loop stays untouched.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import torch

from ..errors import ConfigError, UnknownNameError
from ..labels import IGNORE_INDEX


@dataclass
class ParserOutputs:
    logits: torch.Tensor  # B×C×H×W
    labels: torch.Tensor  # B×H×W long, IGNORE_INDEX where unlabelled
    aux: Sequence[torch.Tensor] = field(default_factory=list)  # auxiliary heads' logits
    partner: torch.Tensor | None = None  # the other modality's logits (mutual learning)
    step: int = 0  # the training step, for terms whose weight follows a schedule
    learner: str = "rgb"  # whose loss this is: rgb, depth or translated (depth from RGB)

    @property
    def valid(self) -> torch.Tensor:
        return self.labels != IGNORE_INDEX


LossTerm = Callable[[ParserOutputs], torch.Tensor]


class ParserLoss:
    """`ParserLoss({"ce": {"weight": 1}, "mutual_kl": {"weight": 1, "temperature": 2}}, terms)`."""

    def __init__(
        self, config: Mapping[str, Mapping], registry: Mapping[str, Callable[..., LossTerm]]
    ):
        check_loss_config(config, registry)
        self.terms: dict[str, tuple[float, LossTerm]] = {}
        for name, options in config.items():
            options = dict(options or {})
            weight = float(options.pop("weight", 1.0))
            self.terms[name] = (weight, registry[name](**options))

    def __call__(self, out: ParserOutputs) -> tuple[torch.Tensor, dict[str, float]]:
        total = out.logits.new_zeros(())
        parts = {}
        for name, (weight, term) in self.terms.items():
            value = term(out)
            parts[name] = float(value.detach())
            total = total + weight * value
        return total, parts


def check_loss_config(
    config: Mapping[str, Mapping | None], registry: Mapping[str, Callable[..., LossTerm]]
) -> None:
    """A one-line ConfigError for an unknown term or option (`loss.mutual_kl.temperatur`),
    naming what is known, before any term is built."""
    for name, options in config.items():
        if name not in registry:
            raise UnknownNameError("loss", name, registry)
        params = inspect.signature(registry[name]).parameters
        known = ["weight", *(p for p in params if p != "self")]
        for key in options or {}:
            if key not in known:
                raise ConfigError(f"loss.{name}: unknown option {key!r}; known: {', '.join(known)}")
