"""Parser weights as safetensors: the tensors plus a description (architecture, modality, label
space, input size) in the file's metadata, so one file is a complete, loadable parser.

Weights are stored in float16 (half the size; the shipped models stay under 10 MB) and run in
float32.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from importlib import resources
from pathlib import Path

from torch import nn

from ..imageio import atomic_open
from ..labels import LabelSpace, get_label_space
from . import build_parser


@dataclass(frozen=True)
class ParserCard:
    arch: str  # a name in faceparse.models.PARSERS
    modality: str  # rgb | depth
    space: str  # label space name
    size: int  # input side the parser was trained at
    trained: str = ""  # how it was made: the command, data and date

    @property
    def in_channels(self) -> int:
        return 3 if self.modality == "rgb" else 1

    @property
    def label_space(self) -> LabelSpace:
        return get_label_space(self.space)


def save_parser(model: nn.Module, card: ParserCard, path: str | Path) -> Path:
    from safetensors.torch import save

    tensors = {
        k: v.detach().cpu().half().contiguous()
        for k, v in model.state_dict().items()
        if v.is_floating_point()
    }
    # Integer buffers (BatchNorm's step counters) are not needed to run a parser.
    meta = {k: str(v) for k, v in asdict(card).items()}
    with atomic_open(path) as f:
        f.write(save(tensors, metadata=meta))
    return Path(path)


def load_parser(path: str | Path) -> tuple[nn.Module, ParserCard]:
    """(parser in eval mode, float32, its card) from a safetensors file written by save_parser."""
    from safetensors import safe_open

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: parser weights not found")
    try:
        with safe_open(str(path), framework="pt") as f:
            meta = f.metadata() or {}
            tensors = {k: f.get_tensor(k).float() for k in f.keys()}  # noqa: SIM118
    except Exception as e:  # safetensors raises its own error types for damaged files
        raise ValueError(f"{path}: not a readable safetensors file ({e})") from e
    missing = {"arch", "modality", "space", "size"} - set(meta)
    if missing:
        raise ValueError(f"{path}: no parser description in its metadata ({sorted(missing)})")
    card = ParserCard(
        meta["arch"], meta["modality"], meta["space"], int(meta["size"]), meta.get("trained", "")
    )
    model = build_parser(card.arch, card.label_space.num_classes, card.in_channels)
    try:
        result = model.load_state_dict(tensors, strict=False)
    except RuntimeError as e:  # shape mismatches
        raise ValueError(f"{path}: weights do not fit {card.arch} ({str(e)[:300]})") from None
    bad = [k for k in result.missing_keys if not k.endswith("num_batches_tracked")]
    if bad or result.unexpected_keys:
        raise ValueError(
            f"{path}: weights do not fit {card.arch} (missing {bad[:3]}, "
            f"unexpected {result.unexpected_keys[:3]})"
        )
    return model.eval(), card


def shipped(name: str) -> Path:
    """Path of a model file shipped inside the package (faceparse/weights/)."""
    path = Path(str(resources.files("faceparse") / "weights" / name))
    if not path.is_file():
        raise FileNotFoundError(f"{path}: shipped model missing; reinstall faceparse")
    return path


def parser_from_checkpoint(
    checkpoint: str | Path, modality: str = "rgb"
) -> tuple[nn.Module, ParserCard]:
    """A parser out of a training checkpoint (faceparse train), with its card."""
    from ..training.networks import load_trained

    cfg, models, space = load_trained(checkpoint)
    if modality not in models:
        raise ValueError(f"{checkpoint}: mode {cfg.mode} has no {modality} parser")
    return models[modality], checkpoint_card(cfg, modality, space)


def checkpoint_card(cfg, modality: str, space: str) -> ParserCard:
    """The card of a parser trained with TrainConfig `cfg`."""
    trained = f"faceparse train: mode {cfg.mode}, {cfg.optim.steps} steps on {cfg.data.root}"
    return ParserCard(cfg.model.parser, modality, space, cfg.data.size, trained)
