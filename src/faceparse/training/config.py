"""Training configuration: YAML files in configs/, overridable from the command line with
`--set section.key=value` (the value is parsed as YAML: numbers, lists, null...).

Modes:
* `rgb` / `depth` — one parser on one modality.
* `mutual` — both parsers; each also learns from the other's detached prediction (mutual_kl).
* `mutual-translate` — adds the RGB→depth translator: L1 to the rendered depth (+ adversarial),
  and end to end through the depth parser, which also learns from translated depth.
* `distill` — semi-supervised distillation into an RGB parser (the student, `model.parser`):
  parser losses on labelled images plus KL towards a teacher's predictions on unlabelled photos.
* `occlusion-distill` — occlusion-robust distillation (Tiwari et al. WACV 2022): the teacher sees
  the clean crop, the student `distill.copies` occluded copies of it; the student matches the
  teacher on each copy's visible pixels, and the copies agree with each other where all of them
  see the face (`distill.consistency_weight`). `distill.amodal: true` matches the teacher and
  the labels under the occluders too, so the student learns what lies beneath them.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import yaml

from ..errors import ConfigError, UnknownNameError

MODES = ("rgb", "depth", "mutual", "mutual-translate", "distill", "occlusion-distill")


def _type_ok(value: Any, hint: Any) -> bool:
    if hint is Any:
        return True
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        return any(_type_ok(value, h) for h in typing.get_args(hint))
    if hint is type(None):
        return value is None
    if origin is not None:  # dict[...], list[...]: the container type is what YAML can get wrong
        return isinstance(value, origin)
    if hint is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, hint)


def _hint_name(hint: Any) -> str:
    return getattr(hint, "__name__", None) or str(hint).replace("NoneType", "None")


def check_section(
    section: Any, name: str, positive: tuple[str, ...] = (), non_negative: tuple[str, ...] = ()
) -> None:
    """Types of every field, then the ranges: a ConfigError that names `name.field`."""
    hints = typing.get_type_hints(type(section))
    for f in fields(section):
        value = getattr(section, f.name)
        if dataclasses.is_dataclass(hints[f.name]):
            continue
        if not _type_ok(value, hints[f.name]):
            raise ConfigError(f"{name}{f.name} must be {_hint_name(hints[f.name])}, got {value!r}")
        if isinstance(value, int | float) and not isinstance(value, bool):
            if f.name in positive and value <= 0:
                raise ConfigError(f"{name}{f.name} must be positive, got {value!r}")
            if f.name in non_negative and value < 0:
                raise ConfigError(f"{name}{f.name} must not be negative, got {value!r}")


@dataclass
class DataConfig:
    dataset: str = "synthetic"  # any reader name, or "synthetic" (generated in memory)
    root: str | None = None
    depth: str | None = None  # depth folder in the released layout (`faceparse depth make`)
    train_split: str = "train"
    val_split: str | None = None  # for the best checkpoint; None = no validation
    options: dict[str, Any] = field(default_factory=dict)  # reader options, e.g. subsets
    size: int = 256  # training and inference side (multiple of 32)
    # Depth labels masked: the fraction of training images whose depth carries labels for the
    # depth parser (chosen once by the seed); every image keeps its depth map, and the rest
    # teach the depth parser through translation and KL. Not the paper's scarce depth.
    depth_label_fraction: float = 1.0
    # Scarce depth (Lee et al.): the fraction of training images that have a real depth map at
    # all (chosen once by the seed). The rest are RGB and labels only: no real-depth input, no
    # translation L1; the depth parser learns on them from translated depth (mutual-translate).
    real_depth_fraction: float = 1.0
    synthetic_count: int = 16  # images, when dataset is "synthetic"
    # Probability that a training crop gets a synthetic occluder (faceparse.occlusion); the
    # pixels it covers are labelled background (they are not face).
    occlusion: float = 0.0
    # Probability that a training crop gets one or two synthetic accessories (glasses, a hat,
    # earrings, a necklace; faceparse.datasets.accessories), labelled as CelebAMask-HQ's eye_g,
    # hat, ear_r and neck_l: for data in the celebamask-hq space.
    accessories: float = 0.0
    num_workers: int = 0
    # Where training crops are augmented: "loader" (per sample, OpenCV, in the loader workers;
    # what the documented runs used) or "device" (per batch, tensors, on the training device:
    # faceparse.training.augment; no occluders yet).
    augment: str = "loader"

    def __post_init__(self) -> None:
        check_section(
            self, "data.", positive=("size", "synthetic_count"), non_negative=("num_workers",)
        )
        if self.size % 32:
            raise ConfigError(f"data.size must be a multiple of 32, got {self.size}")
        for name in ("occlusion", "accessories"):
            if not 0 <= getattr(self, name) <= 1:
                raise ConfigError(f"data.{name} is a probability in [0, 1]")
        for name in ("depth_label_fraction", "real_depth_fraction"):
            if not 0 < getattr(self, name) <= 1:
                raise ConfigError(f"data.{name} must be in (0, 1]")
        if self.augment not in ("loader", "device"):
            raise ConfigError(f"data.augment is loader or device, got {self.augment!r}")
        if self.augment == "device" and (self.occlusion or self.accessories):
            raise ConfigError(
                "data.augment: device draws no occluders or accessories; use loader with them"
            )


@dataclass
class ModelConfig:
    parser: str = "bisenet-r18"  # or bisenet-light
    translator_width: int = 32
    adversarial: bool = False  # PatchGAN discriminator on (RGB, depth)
    # Start from trained weights (fine-tuning): a training checkpoint (.pt; each parser it has)
    # or a parser file (.safetensors; the parser of its modality).
    init: str | None = None

    def __post_init__(self) -> None:
        check_section(self, "model.", positive=("translator_width",))


@dataclass
class TranslationConfig:
    l1_weight: float = 10.0
    adversarial_weight: float = 0.1
    # Depth parser on translated depth: its parser losses, scaled by this weight.
    translated_weight: float = 1.0

    def __post_init__(self) -> None:
        weights = ("l1_weight", "adversarial_weight", "translated_weight")
        check_section(self, "translation.", non_negative=weights)


@dataclass
class DistillConfig:
    # A checkpoint (.pt, its RGB parser), an exported parser (.onnx) — or, from Python, any
    # callable `Trainer(config, teacher=fn)`: normalised RGB batch -> logits.
    teacher: str | None = None
    unlabelled: str | None = None  # folder of photos; None with dataset synthetic = generated
    weight: float = 1.0
    temperature: float = 2.0
    copies: int = 2  # occlusion-distill: occluded copies of each crop the student sees
    consistency_weight: float = 1.0  # occlusion-distill: agreement between the copies
    # occlusion-distill: also match the clean-view teacher and the labels on occluded pixels
    # (the face under the hand: amodal), not only where a copy shows the face.
    amodal: bool = False

    def __post_init__(self) -> None:
        check_section(
            self,
            "distill.",
            positive=("copies", "temperature"),
            non_negative=("weight", "consistency_weight"),
        )


@dataclass
class OptimConfig:
    lr: float = 2e-3
    weight_decay: float = 1e-4
    steps: int = 1000
    batch_size: int = 8
    warmup_steps: int = 50
    poly_power: float = 0.9

    def __post_init__(self) -> None:
        check_section(
            self,
            "optim.",
            positive=("steps", "batch_size", "lr"),
            non_negative=("warmup_steps", "weight_decay", "poly_power"),
        )


@dataclass
class TrainConfig:
    mode: str = "rgb"
    out: str = "runs/default"
    seed: int = 0
    data: DataConfig = field(default_factory=DataConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    # Parser loss terms (faceparse.losses.PARSER_LOSSES) -> options, including `weight`.
    loss: dict[str, dict[str, Any]] = field(default_factory=lambda: {"ce": {"weight": 1.0}})
    translation: TranslationConfig = field(default_factory=TranslationConfig)
    distill: DistillConfig = field(default_factory=DistillConfig)
    optim: OptimConfig = field(default_factory=OptimConfig)
    eval_every: int = 200  # steps; also at the end
    checkpoint_every: int = 100
    log_every: int = 10
    device: str = "auto"  # auto = cuda if available, else cpu
    # auto = fp16 AMP on CUDA, fp32 on CPU (bf16 autocast slows CPU training ~10× here); or bf16
    precision: str = "auto"
    channels_last: bool = False

    def __post_init__(self) -> None:
        check_section(self, "", positive=("eval_every", "checkpoint_every", "log_every"))
        if self.mode not in MODES:
            raise UnknownNameError("mode", self.mode, MODES)
        if self.precision not in ("auto", "fp32", "bf16"):
            raise ConfigError(f"precision is auto, fp32 or bf16, got {self.precision!r}")
        if self.data.real_depth_fraction < 1 and self.mode != "mutual-translate":
            raise ConfigError(
                "data.real_depth_fraction < 1 needs mode mutual-translate: the translator "
                f"stands in for the missing depth maps (mode is {self.mode})"
            )
        if self.data.augment == "device" and "distill" in self.mode:
            raise ConfigError(f"mode {self.mode} augments with data.augment: loader only")
        if self.device != "auto" and not self.device.startswith(("cpu", "cuda")):
            raise ConfigError(f"device is auto, cpu or cuda[:N], got {self.device!r}")
        if not isinstance(self.loss, dict) or not all(
            isinstance(v, dict | None) for v in self.loss.values()
        ):
            raise ConfigError("loss maps each term to its options, e.g. {ce: {weight: 1.0}}")
        from ..losses import PARSER_LOSSES  # here: the losses import torch, the CLI does not
        from ..losses.base import check_loss_config

        check_loss_config(self.loss, PARSER_LOSSES)  # a misspelt key fails here, not mid-run

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


def _build(cls, values: dict, where: str):
    known = {f.name: f for f in fields(cls)}
    unknown = set(values) - set(known)
    if unknown:
        raise ConfigError(
            f"unknown key(s) {sorted(unknown)} in {where.rstrip('.') or 'the top level'}; "
            f"known: {sorted(known)}"
        )
    kwargs = {}
    for name, value in values.items():
        nested = _NESTED.get((cls, name))
        if nested and not isinstance(value or {}, dict):
            raise ConfigError(f"{where}{name} is a section (a mapping), got {value!r}")
        kwargs[name] = _build(nested, value or {}, f"{where}{name}.") if nested else value
    return cls(**kwargs)


_NESTED = {
    (TrainConfig, "data"): DataConfig,
    (TrainConfig, "model"): ModelConfig,
    (TrainConfig, "translation"): TranslationConfig,
    (TrainConfig, "optim"): OptimConfig,
    (TrainConfig, "distill"): DistillConfig,
}


def apply_override(values: dict, assignment: str) -> None:
    """`optim.lr=1e-3` -> values["optim"]["lr"] = 0.001 (in place)."""
    if "=" not in assignment:
        raise ConfigError(f"override {assignment!r} is not key=value")
    key, raw = assignment.split("=", 1)
    *path, last = key.strip().split(".")
    node = values
    for part in path:
        node = node.setdefault(part, {})
        if not isinstance(node, dict):
            raise ConfigError(f"override {assignment!r}: {part} is not a section")
    node[last] = yaml.safe_load(raw)


def merged(base: dict, values: dict) -> dict:
    """`values` over `base`: sections merge key by key, anything else replaces."""
    out = dict(base)
    for key, value in values.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merged(out[key], value)
        else:
            out[key] = value
    return out


class _UniqueKeyLoader(yaml.SafeLoader):
    """YAML's safe loader, refusing a key given twice in one mapping (PyYAML keeps the last
    silently: a section written twice would lose the first's settings)."""

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                line = key_node.start_mark.line + 1
                raise ConfigError(f"key {key!r} is given twice (again on line {line})")
            seen.add(key)
        return super().construct_mapping(node, deep)


def read_config_file(path: Path, seen: tuple[Path, ...] = ()) -> dict:
    """A config's values with its `base:` chain applied: `base: other.yaml` (relative to the
    file) names a config whose values this one starts from, so a row states only what
    differs."""
    if not path.is_file():
        raise ConfigError(f"{path}: training config not found")
    if path.resolve() in seen:
        raise ConfigError(f"{path}: `base:` chain comes back to this file")
    try:
        values = yaml.load(path.read_text(), _UniqueKeyLoader) or {}
    except yaml.YAMLError as e:
        raise ConfigError(f"{path}: not valid YAML ({e})") from None
    except ConfigError as e:
        raise ConfigError(f"{path}: {e}") from None
    if not isinstance(values, dict):
        raise ConfigError(f"{path}: a training config is a YAML mapping")
    base = values.pop("base", None)
    if base is None:
        return values
    if not isinstance(base, str):
        raise ConfigError(f"{path}: base is a config file's path, got {base!r}")
    return merged(read_config_file(path.parent / base, (*seen, path.resolve())), values)


def load_config(path: str | Path | None, overrides: list[str] | None = None) -> TrainConfig:
    values: dict = {} if path is None else read_config_file(Path(path))
    for assignment in overrides or []:
        apply_override(values, assignment)
    try:
        return _build(TrainConfig, values, "")
    except ConfigError as e:
        raise ConfigError(f"{path or 'config'}: {e}") from None


def config_from_dict(values: dict) -> TrainConfig:
    return _build(TrainConfig, values, "")
