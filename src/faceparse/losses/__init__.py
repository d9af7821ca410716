"""Training losses, one module each; the config names the parser terms from `PARSER_LOSSES`."""

from .base import LossTerm, ParserLoss, ParserOutputs
from .consensus import ConsensusLoss, consensus_loss
from .contextual import ContextualLoss, contextual_loss
from .cross_entropy import CrossEntropyLoss, OhemCrossEntropyLoss
from .mutual import MutualKLLoss, mutual_kl
from .translation import discriminator_adversarial, generator_adversarial, translation_l1

PARSER_LOSSES = {
    "ce": CrossEntropyLoss,
    "ohem": OhemCrossEntropyLoss,
    "mutual_kl": MutualKLLoss,
    "consensus": ConsensusLoss,
    "contextual": ContextualLoss,
}


def parser_loss(config) -> ParserLoss:
    return ParserLoss(config, PARSER_LOSSES)


__all__ = [
    "PARSER_LOSSES",
    "ConsensusLoss",
    "ContextualLoss",
    "consensus_loss",
    "contextual_loss",
    "CrossEntropyLoss",
    "LossTerm",
    "MutualKLLoss",
    "OhemCrossEntropyLoss",
    "ParserLoss",
    "ParserOutputs",
    "discriminator_adversarial",
    "generator_adversarial",
    "mutual_kl",
    "parser_loss",
    "translation_l1",
]
