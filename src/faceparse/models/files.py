"""Parser files, the model contract between training and inference.

* `.safetensors` — a shipped or exported parser: float16 tensors (half the size; the shipped
  models stay under 10 MB, they run in float32) plus a description (`ParserCard`: architecture,
  modality, label space, input size, how it was trained) in the file's metadata.
* `.pt` — a training checkpoint (`faceparse train`): every network of its mode, with the config
  that describes them. Written by `faceparse.training.checkpoint`; read here, so that inference
  never needs the training package.

`load_parser_file(path, modality)` takes either; `checkpoint_networks(path)` gives every network
of a checkpoint with its card.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from importlib import resources
from pathlib import Path

import torch
from torch import nn

from ..errors import ModelFileError
from ..imageio import atomic_open
from ..labels import LabelSpace, get_label_space, name_mapping
from . import build_parser
from .translator import UNetTranslator

CHECKPOINT_FORMAT = 1  # faceparse.training.checkpoint writes it; bump on incompatible changes


@dataclass(frozen=True)
class ParserCard:
    arch: str  # a name in faceparse.models.PARSERS
    modality: str  # rgb | depth
    space: str  # label space name
    size: int  # input side the parser was trained at
    trained: str = ""  # how it was made: the command, data and date
    # Which side the network's l_* channels name (labels.SIDE_CONVENTIONS), where it is not
    # its label space's own: the shipped 19-class parser was trained on labels with l_* on the
    # image's left, the opposite of CelebAMask-HQ's (issue #25). Inference swaps them back.
    sides: str = ""

    @property
    def swaps_sides(self) -> bool:
        space = self.label_space
        return bool(self.sides) and space.has_sides and self.sides != space.sides

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
        raise ModelFileError(f"{path}: parser weights not found")
    try:
        with safe_open(str(path), framework="pt") as f:
            meta = f.metadata() or {}
            tensors = {k: f.get_tensor(k).float() for k in f.keys()}  # noqa: SIM118
    except Exception as e:  # safetensors raises its own error types for damaged files
        raise ModelFileError(f"{path}: not a readable safetensors file ({e})") from None
    missing = {"arch", "modality", "space", "size"} - set(meta)
    if missing:
        raise ModelFileError(f"{path}: no parser description in its metadata ({sorted(missing)})")
    card = ParserCard(
        meta["arch"],
        meta["modality"],
        meta["space"],
        int(meta["size"]),
        meta.get("trained", ""),
        meta.get("sides", ""),
    )
    model = build_parser(card.arch, card.label_space.num_classes, card.in_channels)
    try:
        result = model.load_state_dict(tensors, strict=False)
    except RuntimeError as e:  # shape mismatches
        raise ModelFileError(f"{path}: weights do not fit {card.arch} ({str(e)[:300]})") from None
    bad = [k for k in result.missing_keys if not k.endswith("num_batches_tracked")]
    if bad or result.unexpected_keys:
        raise ModelFileError(
            f"{path}: weights do not fit {card.arch} (missing {bad[:3]}, "
            f"unexpected {result.unexpected_keys[:3]})"
        )
    return model.eval(), card


def offset_class_logits(
    source: str | Path, classes: tuple[str, ...], offset: float, out: str | Path
) -> Path:
    """Save the parser `source` at `out` with `offset` added to the named classes' classifier
    biases (their logits everywhere: the classifier is the last layer before the linear
    upsampling), and the offset written into its card. For classes a parser under-calls, such
    as small ones that plain training leaves below their neighbours."""
    net, card = load_parser(source)
    classify = getattr(net, "classify", None)
    if not isinstance(classify, nn.Conv2d) or classify.bias is None:
        raise ModelFileError(f"{source}: {card.arch} has no classifier bias to offset")
    ids = [card.label_space.index(c) for c in classes]
    with torch.no_grad():
        classify.bias[ids] += offset
    note = f"; logits of {', '.join(classes)} {offset:+g}"
    return save_parser(net, replace(card, trained=card.trained + note), out)


def shipped(name: str) -> Path:
    """Path of a model file shipped inside the package (faceparse/weights/)."""
    path = Path(str(resources.files("faceparse") / "weights" / name))
    if not path.is_file():
        raise ModelFileError(f"{path}: shipped model missing; reinstall faceparse")
    return path


def read_checkpoint(path: str | Path) -> dict:
    """A training checkpoint's contents (on the CPU), checked to be one."""
    path = Path(path)
    if not path.is_file():
        raise ModelFileError(f"{path}: checkpoint not found")
    try:
        state = torch.load(path, map_location="cpu", weights_only=False)
    except Exception as e:
        raise ModelFileError(f"{path}: not a readable checkpoint ({e})") from None
    if not isinstance(state, dict) or state.get("format_version") != CHECKPOINT_FORMAT:
        raise ModelFileError(f"{path}: not a faceparse checkpoint (format {CHECKPOINT_FORMAT})")
    return state


@dataclass(frozen=True)
class CheckpointNetworks:
    """The networks of a training checkpoint (eval mode) and what describes them."""

    path: Path
    mode: str
    space: str
    size: int  # input side of every network
    arch: str  # the parsers' architecture
    trained: str
    networks: dict[str, nn.Module]  # rgb, depth, translator: those the mode has

    def card(self, modality: str) -> ParserCard:
        return ParserCard(self.arch, modality, self.space, self.size, self.trained)

    def network(self, name: str) -> nn.Module:
        if name not in self.networks:
            raise ModelFileError(f"{self.path}: mode {self.mode} has no {name} network")
        return self.networks[name]

    def parser(self, modality: str) -> tuple[nn.Module, ParserCard]:
        return self.network(modality), self.card(modality)


def checkpoint_networks(path: str | Path) -> CheckpointNetworks:
    """Every network a checkpoint holds (the discriminator left out: it parses nothing), built
    from the cards the checkpoint carries and loaded in eval mode."""
    path = Path(path)
    state = read_checkpoint(path)
    cards = state.get("cards") or _cards_from_config(state)
    parsers = {m: ParserCard(**cards[m]) for m in ("rgb", "depth") if m in cards}
    any_card = next(iter(parsers.values()))
    space = any_card.label_space
    builders = {
        m: (lambda c=c: build_parser(c.arch, space.num_classes, c.in_channels))
        for m, c in parsers.items()
    }
    if "translator" in cards:
        builders["translator"] = lambda: UNetTranslator(3, 1, cards["translator"]["width"])
    networks = {}
    for name, build in builders.items():
        if name in state["models"]:
            net = build()
            net.load_state_dict(state["models"][name])
            networks[name] = net.eval()
    mode = state["config"]["mode"]
    return CheckpointNetworks(
        path, mode, space.name, any_card.size, any_card.arch, any_card.trained, networks
    )


def _cards_from_config(state: dict) -> dict:
    """The cards of a checkpoint written before checkpoints carried them, from its config."""
    cfg = state["config"]
    trained = (
        f"faceparse train: mode {cfg['mode']}, {cfg['optim']['steps']} steps on "
        f"{cfg['data']['root']}"
    )
    card = {"arch": cfg["model"]["parser"], "space": state["label_space"]}
    card |= {"size": cfg["data"]["size"], "trained": trained}
    cards: dict = {m: {**card, "modality": m} for m in ("rgb", "depth") if m in state["models"]}
    cards["translator"] = {"width": cfg["model"]["translator_width"]}
    return cards


def load_parser_file(path: str | Path, modality: str) -> tuple[nn.Module, ParserCard]:
    """The `modality` parser of a parser file (.safetensors) or a training checkpoint (.pt)."""
    path = Path(path)
    if path.suffix == ".pt":
        return checkpoint_networks(path).parser(modality)
    if path.suffix != ".safetensors":
        raise ModelFileError(f"{path}: parser files are .safetensors or training checkpoints .pt")
    net, card = load_parser(path)
    if card.modality != modality:
        raise ModelFileError(f"{path}: a {card.modality} parser, expected {modality}")
    return net, card


def remap_classes(state: dict, src: LabelSpace, dst: LabelSpace) -> dict:
    """A parser's weights (state dict) for another label space, to fine-tune from: each
    per-class tensor (leading size = the classes of `src`) gets, for every class of `dst`, the
    row of the class it converts to (`faceparse.labels.name_mapping(dst, src)`), so the new
    parser starts out predicting what the old one did (ears as skin, hats as background)."""
    names = name_mapping(dst, src)
    rows = torch.tensor([src.index(names[c]) for c in dst.classes])
    return {
        k: v[rows].clone() if v.ndim and v.shape[0] == src.num_classes else v
        for k, v in state.items()
    }
