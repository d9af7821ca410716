"""Training modes, one class each: which networks it trains, what its batches carry, and its
loss terms. `Trainer` runs the same loop for all of them (optimiser, AMP, DDP, logging,
checkpoints). Adding a mode means adding a class here and its name to `config.MODES`.

* `rgb` / `depth` — one parser on one modality.
* `mutual` — both parsers; each also learns from the other's detached prediction (mutual_kl).
* `mutual-translate` — adds the RGB→depth translator: L1 to the rendered depth (+ adversarial),
  trained end to end through the depth parser, which also learns from translated depth. Real and
  translated depth go through the depth parser in one batch, so DDP sees one forward.
* `distill` — a student RGB parser learns from labels and from a teacher on unlabelled photos.
* `occlusion-distill` — the teacher sees the clean crop, the student occluded copies of it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol

import torch
from torch import nn

from ..losses import (
    ParserOutputs,
    generator_adversarial,
    mutual_kl,
    translation_l1,
)
from ..models import PatchDiscriminator, UNetTranslator, build_parser
from .config import MODES, TrainConfig


class TrainerView(Protocol):
    """What a mode may use of the trainer (faceparse.training.trainer.Trainer)."""

    config: TrainConfig
    step: int
    train_models: dict[str, nn.Module]  # DDP-wrapped when distributed
    loss: Callable[[ParserOutputs], tuple[torch.Tensor, dict[str, float]]]
    teacher: Callable[[torch.Tensor], torch.Tensor] | None

    def autocast(self) -> Any: ...

    def discriminator_step(self, rgb, real, fake) -> float: ...


@dataclass
class Batch:
    """One step's tensors. `label` is IGNORE_INDEX where a pixel has no label; `depth_label` is
    too for images whose depth carries none (the scarce-depth setting)."""

    rgb: torch.Tensor  # N×3×S×S, ImageNet-normalised
    label: torch.Tensor  # N×S×S class ids
    depth: torch.Tensor | None = None  # N×1×S×S in [0, 1]
    depth_label: torch.Tensor | None = None  # N×S×S
    # N booleans: which images have a real depth map (scarce depth; the others' `depth` is blank)
    has_depth: torch.Tensor | None = None
    occluded: torch.Tensor | None = None  # N×K×3×S×S occluded copies of `rgb`
    visible: torch.Tensor | None = None  # N×K×S×S, True where a copy shows the face
    unlabelled: torch.Tensor | None = None  # M×3×S×S photos without labels
    skipped: list[str] = field(default_factory=list)  # damaged files passed over, per sample
    # data.augment: device — rgb and depth arrive as uint8 and are augmented on the device.
    augment: torch.Tensor | None = None  # N×9 parameters (faceparse.training.augment.PARAMS)
    depth_labelled: torch.Tensor | None = None  # N booleans: does this image's depth teach?

    @classmethod
    def collate(cls, labelled: dict, unlabelled: dict | None = None) -> Batch:
        """From the loader's dicts (faceparse.training.data.AugmentedFaces)."""
        names = {f.name for f in dataclasses.fields(cls)} - {"unlabelled", "skipped"}
        skipped = list(labelled.get("skipped", []))
        if unlabelled is not None:
            skipped += list(unlabelled.get("skipped", []))
        return cls(
            **{k: v for k, v in labelled.items() if k in names},
            unlabelled=None if unlabelled is None else unlabelled["rgb"],
            skipped=skipped,
        )

    def augmented(self, augment: Callable[..., dict]) -> Batch:
        """The batch after device augmentation (a no-op for batches augmented by the loader)."""
        if self.augment is None:
            return self
        out = augment(self.rgb, self.label, self.augment, self.depth, self.depth_labelled)
        return dataclasses.replace(self, **out, augment=None, depth_labelled=None)

    def to(self, device: torch.device, channels_last: bool = False) -> Batch:
        def move(v):
            if not isinstance(v, torch.Tensor):
                return v
            v = v.to(device, non_blocking=True)
            if v.ndim == 4 and channels_last:
                v = v.contiguous(memory_format=torch.channels_last)
            return v

        return dataclasses.replace(
            self, **{f.name: move(getattr(self, f.name)) for f in dataclasses.fields(self)}
        )


class Step:
    """What a mode's loss sees of the trainer during one step, and what it leaves: the logged
    parts and any follow-up to run after the optimiser step."""

    def __init__(self, trainer: TrainerView, lr: float):
        self.trainer = trainer
        self.models = trainer.train_models
        self.config = trainer.config
        self.index = trainer.step
        self.parts: dict[str, float] = {"lr": lr}
        self.after: list[Callable[[], None]] = []

    def autocast(self):
        return self.trainer.autocast()

    def teacher(self, x: torch.Tensor) -> torch.Tensor:
        with torch.no_grad():
            return self.trainer.teacher(x.float().contiguous())

    def parser_terms(
        self,
        prefix: str,
        logits: torch.Tensor,
        labels: torch.Tensor,
        aux: list[torch.Tensor],
        partner: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """The config's parser loss terms (faceparse.losses), logged as prefix/term."""
        outputs = ParserOutputs(logits, labels, aux, partner, self.index, learner=prefix)
        loss, parts = self.trainer.loss(outputs)
        self.parts.update({f"{prefix}/{k}": v for k, v in parts.items()})
        return loss


class TrainingMode:
    name: ClassVar[str]
    parsers: ClassVar[tuple[str, ...]]  # of "rgb", "depth": the parsers it trains
    uses_depth: ClassVar[bool] = False  # batches carry depth and depth labels
    occluded_copies: ClassVar[bool] = False  # batches carry occluded copies of each crop
    unlabelled: ClassVar[bool] = False  # a second stream of unlabelled photos
    needs_teacher: ClassVar[bool] = False

    def build_networks(self, config: TrainConfig, num_classes: int) -> dict[str, nn.Module]:
        channels = {"rgb": 3, "depth": 1}
        return {
            p: build_parser(config.model.parser, num_classes, channels[p]) for p in self.parsers
        }

    def losses(self, s: Step, b: Batch) -> torch.Tensor:
        raise NotImplementedError


class RgbMode(TrainingMode):
    name, parsers = "rgb", ("rgb",)

    def losses(self, s: Step, b: Batch) -> torch.Tensor:
        with s.autocast():
            logits, aux = s.models["rgb"](b.rgb, with_aux=True)
        return s.parser_terms("rgb", logits, b.label, aux)


class DepthMode(TrainingMode):
    name, parsers, uses_depth = "depth", ("depth",), True

    def losses(self, s: Step, b: Batch) -> torch.Tensor:
        with s.autocast():
            logits, aux = s.models["depth"](b.depth, with_aux=True)
        return s.parser_terms("depth", logits, b.depth_label, aux)


class MutualMode(TrainingMode):
    name, parsers, uses_depth = "mutual", ("rgb", "depth"), True

    def losses(self, s: Step, b: Batch) -> torch.Tensor:
        with s.autocast():
            rgb, rgb_aux = s.models["rgb"](b.rgb, with_aux=True)
            depth, depth_aux = s.models["depth"](b.depth, with_aux=True)
        loss = s.parser_terms("rgb", rgb, b.label, rgb_aux, depth)
        return loss + s.parser_terms("depth", depth, b.depth_label, depth_aux, rgb)


class MutualTranslateMode(MutualMode):
    name = "mutual-translate"

    def build_networks(self, config: TrainConfig, num_classes: int) -> dict[str, nn.Module]:
        networks = super().build_networks(config, num_classes)
        networks["translator"] = UNetTranslator(3, 1, config.model.translator_width)
        if config.model.adversarial:
            networks["discriminator"] = PatchDiscriminator(4, config.model.translator_width)
        return networks

    def losses(self, s: Step, b: Batch) -> torch.Tensor:
        """Images without a real depth map (scarce depth) give the depth parser only their
        translated depth, the translator no L1, and the RGB parser the translated depth's
        prediction as its partner. The depth parser sees only real maps and translations,
        never a blank map, so its batch statistics are those of depth."""
        m, t = s.models, s.config.translation
        has = b.has_depth
        if has is None:
            has = torch.ones(b.label.shape[0], dtype=torch.bool, device=b.label.device)
        real = b.depth[has]
        k = real.shape[0]
        with s.autocast():
            rgb, rgb_aux = m["rgb"](b.rgb, with_aux=True)
            fake = m["translator"](b.rgb)
            depth_in = torch.cat([real, fake.to(real.dtype)])
            depth, depth_aux = m["depth"](depth_in, with_aux=True)
        on_real, on_fake = depth[:k], depth[k:]
        partner = on_fake.clone()
        partner[has] = on_real.to(partner.dtype)
        total = s.parser_terms("rgb", rgb, b.label, rgb_aux, partner)
        if k:
            total = total + s.parser_terms(
                "depth", on_real, b.depth_label[has], [a[:k] for a in depth_aux], rgb[has]
            )
        translated = s.parser_terms("translated", on_fake, b.label, [a[k:] for a in depth_aux], rgb)
        l1 = translation_l1(fake[has], real) if k else fake.new_zeros(())
        total = total + t.translated_weight * translated + t.l1_weight * l1
        s.parts["translator/l1"] = float(l1.detach())
        if "discriminator" in m:
            with s.autocast():
                adv = generator_adversarial(m["discriminator"](b.rgb, fake))
            total = total + t.adversarial_weight * adv
            s.parts["translator/adversarial"] = float(adv.detach())

            def discriminator_step() -> None:
                s.parts["discriminator"] = s.trainer.discriminator_step(
                    b.rgb[has], real, fake[has].detach()
                )

            if k:
                s.after.append(discriminator_step)
        return total


class DistillMode(TrainingMode):
    name, parsers, unlabelled, needs_teacher = "distill", ("rgb",), True, True

    def losses(self, s: Step, b: Batch) -> torch.Tensor:
        d, n = s.config.distill, b.label.shape[0]
        with s.autocast():  # one student forward over labelled and unlabelled photos
            logits, aux = s.models["rgb"](torch.cat([b.rgb, b.unlabelled]), with_aux=True)
        kl = mutual_kl(logits[n:], s.teacher(b.unlabelled), d.temperature)
        s.parts["distill/kl"] = float(kl.detach())
        return d.weight * kl + s.parser_terms("rgb", logits[:n], b.label, [a[:n] for a in aux])


class OcclusionDistillMode(TrainingMode):
    name, parsers, occluded_copies, needs_teacher = "occlusion-distill", ("rgb",), True, True

    def losses(self, s: Step, b: Batch) -> torch.Tensor:
        d = s.config.distill
        with s.autocast():  # the student sees only the occluded copies
            logits, aux = s.models["rgb"](b.occluded.flatten(0, 1), with_aux=True)
        kl, consistency, labels = self.occlusion_terms(s, b, logits)
        s.parts["distill/kl"] = float(kl.detach())
        s.parts["distill/consistency"] = float(consistency.detach())
        total = d.weight * kl + d.consistency_weight * consistency
        return total + s.parser_terms("rgb", logits, labels, aux)

    @staticmethod
    def occlusion_terms(s: Step, b: Batch, logits: torch.Tensor):
        """(KL to the clean-view teacher on visible pixels, agreement between the copies where
        all see the face, labels per copy with occluded pixels as background); amodal: on
        every pixel, with the labels of the face beneath the occluders."""
        d = s.config.distill
        n, k = b.visible.shape[:2]
        visible = b.visible.flatten(0, 1)
        if d.amodal:
            visible = torch.ones_like(visible)
        target = s.teacher(b.rgb).repeat_interleave(k, 0)
        kl = mutual_kl(logits, target, d.temperature, visible)
        consistency = logits.new_zeros(())
        if k > 1:
            probs = logits.float().softmax(1).unflatten(0, (n, k))
            mean = probs.mean(1, keepdim=True).expand_as(probs).flatten(0, 1).detach()
            seen = torch.ones_like(b.visible) if d.amodal else b.visible
            seen_by_all = seen.all(1, keepdim=True).expand(n, k, *visible.shape[1:])
            log_mean = mean.clamp_min(1e-8).log()
            consistency = mutual_kl(logits, log_mean, 1.0, seen_by_all.flatten(0, 1))
        labels = b.label.repeat_interleave(k, 0).masked_fill(~visible, 0)
        return kl, consistency, labels


TRAINING_MODES: dict[str, type[TrainingMode]] = {
    cls.name: cls
    for cls in (
        RgbMode,
        DepthMode,
        MutualMode,
        MutualTranslateMode,
        DistillMode,
        OcclusionDistillMode,
    )
}
assert tuple(TRAINING_MODES) == MODES, "config.MODES and the mode classes must agree"


def training_mode(config: TrainConfig) -> TrainingMode:
    return TRAINING_MODES[config.mode]()
