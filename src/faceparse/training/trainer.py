"""The training loop for every mode; `Trainer(config).fit()`.

One step (mode `mutual-translate`, the most complete):
  rgb logits  = P_rgb(rgb)                   loss: parser terms vs labels, partner = depth logits
  depth logits = P_depth([depth; G(rgb)])    loss: parser terms on real depth (labels only where
                                             depth is labelled), partner = rgb logits; and the same
                                             terms on translated depth (all labels) × weight
  translator G: L1(G(rgb), depth) × l1_weight (+ LSGAN × adversarial_weight); it also gets the
                depth parser's gradient through G(rgb) — trained end to end.
Real and translated depth go through the depth parser in one batch, so DDP sees one forward.
"""

from __future__ import annotations

import contextlib
import json
import random
import sys
import time
from pathlib import Path

import numpy as np
import torch
import yaml
from torch.nn.parallel import DistributedDataParallel

from ..datasets import open_dataset
from ..datasets.synthetic import synthetic_dataset
from ..errors import ConfigError, ModelFileError
from ..imageio import atomic_open
from ..labels import get_label_space
from ..losses import (
    ParserOutputs,
    discriminator_adversarial,
    generator_adversarial,
    mutual_kl,
    parser_loss,
    translation_l1,
)
from ..models.files import load_parser, read_checkpoint
from .checkpoint import load_checkpoint, save_checkpoint
from .config import TrainConfig
from .data import AugmentedFaces, StepBatches, UnlabelledPhotos, choose_depth_labelled
from .distributed import DistInfo, barrier, init_distributed, max_parameter_spread, shutdown
from .evaluate import evaluate
from .networks import build_models
from .teacher import Teacher, load_teacher


def seed_everything(seed: int) -> None:
    """Weights and dropout; data order and augmentation have their own seeded Generators."""
    random.seed(seed)
    torch.manual_seed(seed)


def open_training_source(config: TrainConfig, split: str):
    """The samples of a split (no augmentation) — a dataset reader, or generated faces."""
    d = config.data
    if d.dataset == "synthetic":
        # train and val are different draws of the generator
        seed = config.seed if split == d.train_split else config.seed + 1000
        return synthetic_dataset(d.synthetic_count, seed=seed, size=d.size, space="lapa")
    if d.root is None:
        raise ConfigError(f"data.root is needed for dataset {d.dataset!r}")
    ds = open_dataset(d.dataset, d.root, split, depth=d.depth, **d.options)
    # in every mode, so runs with and without depth see the same images
    ds.drop_samples_without_depth()
    return ds


class Trainer:
    def __init__(self, config: TrainConfig, resume: bool = False, teacher: Teacher | None = None):
        self.config = config
        self.out = Path(config.out)
        cuda = config.device == "cuda" or (config.device == "auto" and torch.cuda.is_available())
        self.dist: DistInfo = init_distributed("cuda" if cuda else "cpu")
        self.device = torch.device(f"cuda:{self.dist.local_rank}" if cuda else "cpu")
        seed_everything(config.seed)

        self.train_source = open_training_source(config, config.data.train_split)
        self.space = get_label_space(self.train_source[0].space)
        self.val_source = (
            open_training_source(config, config.data.val_split) if config.data.val_split else None
        )
        self.depth_labelled = choose_depth_labelled(
            len(self.train_source), config.data.depth_label_fraction, config.seed
        )
        self.models = build_models(config, self.space.num_classes)
        if config.model.init:
            self._initialise(Path(config.model.init))
        self.teacher, self.unlabelled_source = None, None
        if config.mode == "distill":
            self.teacher, self.unlabelled_source = self._distillation_inputs(teacher)
        elif config.mode == "occlusion-distill":
            self.teacher = teacher or self._load_teacher()
        # Measured on the 2-core CPU (docs/RESULTS.md): bf16 autocast makes *training* ~10×
        # slower there (no native bf16 matmul), so "auto" is fp16 AMP on CUDA and fp32 on CPU.
        self.autocast_dtype = {
            "auto": torch.float16 if cuda else None,
            "bf16": torch.bfloat16,
            "fp32": None,
        }[config.precision]
        self.channels_last = config.channels_last
        for model in self.models.values():
            model.to(self.device)
            if self.channels_last:
                model.to(memory_format=torch.channels_last)
        # One scaler per optimizer: GradScaler.update() must run once per optimizer step, and the
        # discriminator's overflows must not shrink the generator's scale.
        fp16 = self.autocast_dtype == torch.float16
        self.scaler = torch.amp.GradScaler("cuda", enabled=fp16)
        self.disc_scaler = torch.amp.GradScaler("cuda", enabled=fp16)

        generator_params = [
            p for name, m in self.models.items() if name != "discriminator" for p in m.parameters()
        ]
        self.optimizer = torch.optim.AdamW(
            generator_params, lr=config.optim.lr, weight_decay=config.optim.weight_decay
        )
        self.disc_optimizer = (
            torch.optim.Adam(
                self.models["discriminator"].parameters(), lr=config.optim.lr, betas=(0.5, 0.999)
            )
            if "discriminator" in self.models
            else None
        )
        self.loss = parser_loss(config.loss)
        self.step = 0
        self.best = {"score": None, "step": None}  # None until a validation has run
        self.skipped: set[str] = set()  # damaged training files already reported
        if resume:
            self._restore(self.out / "last.pt")
        self.train_models = {
            name: DistributedDataParallel(m) if self.dist.enabled else m
            for name, m in self.models.items()
        }

    def _initialise(self, path: Path) -> None:
        if path.suffix == ".safetensors":
            net, card = load_parser(path)
            loaded = {card.modality: net.state_dict()}
        else:
            loaded = read_checkpoint(path)["models"]
        used = [n for n in self.models if n in loaded]
        if not used:
            raise ModelFileError(
                f"{path}: holds none of this mode's networks ({', '.join(self.models)})"
            )
        for name in used:
            self.models[name].load_state_dict(loaded[name])

    def _load_teacher(self) -> Teacher:
        if self.config.distill.teacher is None:
            raise ConfigError(
                f"mode {self.config.mode} needs distill.teacher (a .pt or .onnx parser)"
            )
        return load_teacher(self.config.distill.teacher, self.space.num_classes)

    def _distillation_inputs(self, teacher: Teacher | None):
        d = self.config.distill
        teacher = teacher or self._load_teacher()
        if d.unlabelled is not None:
            photos = UnlabelledPhotos(d.unlabelled, self.space)
            for reason in photos.skipped:
                self.log({"split": "unlabelled", "skipped": reason})
        elif self.config.data.dataset == "synthetic":
            faces = synthetic_dataset(
                self.config.data.synthetic_count,
                seed=self.config.seed + 2000,
                size=self.config.data.size,
                space=self.space,
            )
            photos = [f.with_arrays(label=None, depth=None) for f in faces]
        else:
            raise ConfigError("mode distill needs distill.unlabelled (a folder of photos)")
        return teacher, photos

    # -- bookkeeping ------------------------------------------------------------------------
    def autocast(self):
        if self.autocast_dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(self.device.type, dtype=self.autocast_dtype)

    def lr_at(self, step: int) -> float:
        o = self.config.optim
        if step < o.warmup_steps:
            return o.lr * (step + 1) / o.warmup_steps
        progress = (step - o.warmup_steps) / max(1, o.steps - o.warmup_steps)
        return o.lr * (1 - min(progress, 1.0)) ** o.poly_power

    def state(self) -> dict:
        return {
            "config": self.config.to_dict(),
            "label_space": self.space.name,
            "step": self.step,
            "models": {n: m.state_dict() for n, m in self.models.items()},
            "optimizer": self.optimizer.state_dict(),
            "disc_optimizer": self.disc_optimizer.state_dict() if self.disc_optimizer else None,
            "scaler": self.scaler.state_dict(),
            "disc_scaler": self.disc_scaler.state_dict(),
            "best": self.best,
            "depth_labelled": self.depth_labelled,
        }

    def _restore(self, path: Path) -> None:
        state = load_checkpoint(path, restore_rng=True)
        for name, model in self.models.items():
            model.load_state_dict(state["models"][name])
        self.optimizer.load_state_dict(state["optimizer"])
        if self.disc_optimizer is not None:
            self.disc_optimizer.load_state_dict(state["disc_optimizer"])
        self.scaler.load_state_dict(state["scaler"])
        if "disc_scaler" in state:  # checkpoints from before the discriminator had its own
            self.disc_scaler.load_state_dict(state["disc_scaler"])
        self.step, self.best = state["step"], state["best"]
        self.depth_labelled = state["depth_labelled"]

    def log(self, record: dict) -> None:
        if self.dist.is_main:
            self.out.mkdir(parents=True, exist_ok=True)
            with open(self.out / "metrics.jsonl", "a") as f:
                f.write(json.dumps(record) + "\n")

    def _record_skipped(self, *batches: dict | None) -> None:
        """Log each damaged training file once (metrics.jsonl and stderr); training goes on."""
        for batch in batches:
            for reasons in batch.get("skipped", []) if batch else []:
                for reason in filter(None, reasons.split("\n")):
                    if reason not in self.skipped:
                        self.skipped.add(reason)
                        self.log({"step": self.step, "split": "labelled", "skipped": reason})
                        if self.dist.is_main:
                            print(f"skipped a damaged training file: {reason}", file=sys.stderr)

    # -- one step ---------------------------------------------------------------------------
    def _to_device(self, batch: dict) -> dict:
        out = {}
        for k, v in batch.items():
            if k == "skipped":
                continue
            v = v.to(self.device, non_blocking=True)
            if v.ndim == 4 and self.channels_last:
                v = v.contiguous(memory_format=torch.channels_last)
            out[k] = v
        return out

    def train_step(self, batch: dict, unlabelled: dict | None = None) -> dict[str, float]:
        cfg, m = self.config, self.train_models
        for model in m.values():
            model.train()
        step = self.step
        lr = self.lr_at(step)
        for group in self.optimizer.param_groups:
            group["lr"] = lr
        self._record_skipped(batch, unlabelled)
        b = self._to_device(batch)
        parts: dict[str, float] = {"lr": lr}
        total = torch.zeros((), device=self.device)
        with self.autocast():
            rgb_logits = rgb_aux = depth_logits = depth_aux = fake = None
            n = b["label"].shape[0]
            if "occluded" in b:  # occlusion-distill: the student sees only occluded copies
                copies = b["occluded"].flatten(0, 1)
                rgb_logits, rgb_aux = m["rgb"](copies, with_aux=True)
            elif unlabelled is not None:  # distill: one student forward over both batches
                photos = self._to_device(unlabelled)["rgb"]
                logits, aux = m["rgb"](torch.cat([b["rgb"], photos]), with_aux=True)
                rgb_logits, rgb_aux, student_u = logits[:n], [a[:n] for a in aux], logits[n:]
            elif "rgb" in m:
                rgb_logits, rgb_aux = m["rgb"](b["rgb"], with_aux=True)
            if "depth" in m:
                depth_in = b["depth"]
                if "translator" in m:
                    fake = m["translator"](b["rgb"])
                    depth_in = torch.cat([b["depth"], fake.to(depth_in.dtype)])
                depth_logits, depth_aux = m["depth"](depth_in, with_aux=True)
        if unlabelled is not None:
            with torch.no_grad():
                target = self.teacher(photos.float().contiguous())
            d = cfg.distill
            kl = mutual_kl(student_u, target, d.temperature)
            total = total + d.weight * kl
            parts["distill/kl"] = float(kl.detach())
        labels = b["label"]
        if "occluded" in b:
            kl, consistency, labels = self._occlusion_terms(b, rgb_logits)
            d = cfg.distill
            total = total + d.weight * kl + d.consistency_weight * consistency
            parts["distill/kl"] = float(kl.detach())
            parts["distill/consistency"] = float(consistency.detach())
        if rgb_logits is not None:
            partner = depth_logits[:n] if depth_logits is not None else None
            loss, p = self.loss(ParserOutputs(rgb_logits, labels, rgb_aux, partner, step))
            total = total + loss
            parts.update({f"rgb/{k}": v for k, v in p.items()})
        if depth_logits is not None:
            loss, p = self.loss(
                ParserOutputs(
                    depth_logits[:n],
                    b["depth_label"],
                    [a[:n] for a in depth_aux],
                    rgb_logits,
                    step,
                )
            )
            total = total + loss
            parts.update({f"depth/{k}": v for k, v in p.items()})
        if fake is not None:
            t = cfg.translation
            loss, p = self.loss(
                ParserOutputs(
                    depth_logits[n:], b["label"], [a[n:] for a in depth_aux], rgb_logits, step
                )
            )
            l1 = translation_l1(fake, b["depth"])
            total = total + t.translated_weight * loss + t.l1_weight * l1
            parts.update({f"translated/{k}": v for k, v in p.items()})
            parts["translator/l1"] = float(l1.detach())
            if "discriminator" in m:
                with self.autocast():
                    adv = generator_adversarial(m["discriminator"](b["rgb"], fake))
                total = total + t.adversarial_weight * adv
                parts["translator/adversarial"] = float(adv.detach())
        self.optimizer.zero_grad(set_to_none=True)
        self.scaler.scale(total).backward()
        self.scaler.step(self.optimizer)
        self.scaler.update()
        if fake is not None and "discriminator" in m:
            parts["discriminator"] = self._discriminator_step(b["rgb"], b["depth"], fake.detach())
        parts["loss"] = float(total.detach())
        return parts

    def _occlusion_terms(self, b: dict, logits: torch.Tensor):
        """(KL to the clean-view teacher on visible pixels, agreement between the copies where
        all see the face, labels per copy with occluded pixels as background)."""
        d = self.config.distill
        n, k = b["visible"].shape[:2]
        visible = b["visible"].flatten(0, 1)
        with torch.no_grad():
            target = self.teacher(b["rgb"].float().contiguous())
        target = target.repeat_interleave(k, 0)
        kl = mutual_kl(logits, target, d.temperature, visible)
        consistency = logits.new_zeros(())
        if k > 1:
            probs = logits.float().softmax(1).unflatten(0, (n, k))
            mean = probs.mean(1, keepdim=True).expand_as(probs).flatten(0, 1).detach()
            seen_by_all = b["visible"].all(1, keepdim=True).expand(n, k, *visible.shape[1:])
            log_mean = mean.clamp_min(1e-8).log()
            consistency = mutual_kl(logits, log_mean, 1.0, seen_by_all.flatten(0, 1))
        labels = b["label"].repeat_interleave(k, 0).masked_fill(~visible, 0)
        return kl, consistency, labels

    def _discriminator_step(self, rgb, real, fake) -> float:
        d = self.train_models["discriminator"]
        for group in self.disc_optimizer.param_groups:
            group["lr"] = self.lr_at(self.step)
        with self.autocast():
            loss = discriminator_adversarial(d(rgb, real), d(rgb, fake.to(real.dtype)))
        self.disc_optimizer.zero_grad(set_to_none=True)
        self.disc_scaler.scale(loss).backward()
        self.disc_scaler.step(self.disc_optimizer)
        self.disc_scaler.update()
        return float(loss.detach())

    # -- the loop ---------------------------------------------------------------------------
    def loader(self, start: int, stop: int, source=None):
        """Batches for steps [start, stop) of the training set (or of another `source`)."""
        cfg = self.config
        data = AugmentedFaces(
            source or self.train_source,
            cfg.data.size,
            cfg.seed,
            self.depth_labelled,
            with_depth=cfg.uses_depth,
            occlusion=cfg.data.occlusion if source is None else 0.0,
            occluded_copies=(
                cfg.distill.copies if cfg.mode == "occlusion-distill" and source is None else 0
            ),
        )
        sampler = StepBatches(
            len(data),
            cfg.optim.batch_size,
            cfg.seed,
            start,
            stop,
            self.dist.rank,
            self.dist.world_size,
        )
        return torch.utils.data.DataLoader(
            data,
            batch_sampler=sampler,
            num_workers=cfg.data.num_workers,
            persistent_workers=False,
        )

    def validate(self) -> dict[str, float]:
        """Validation mean F1 per trained parser (on the main process)."""
        scores = {}
        for name, modality in (("rgb", "rgb"), ("depth", "depth")):
            if name in self.models:
                s, _ = evaluate(
                    self.val_source,
                    modality,
                    self.config.data.size,
                    self.models[name],
                    device=self.device,
                    autocast=self.autocast(),
                )
                scores[f"{name}_mean_f1"] = s.mean_f1
        return scores

    def save(self, name: str) -> None:
        if self.dist.is_main:
            save_checkpoint(self.out / name, self.state())

    def fit(self, progress=None) -> dict:
        cfg = self.config
        if self.dist.is_main:
            self.out.mkdir(parents=True, exist_ok=True)
            with atomic_open(self.out / "config.yaml", "w") as f:
                yaml.safe_dump(cfg.to_dict(), f, sort_keys=False)
        steps = range(self.step, cfg.optim.steps)
        batches = self.loader(self.step, cfg.optim.steps)
        if self.unlabelled_source is not None:
            batches = zip(
                batches,
                self.loader(self.step, cfg.optim.steps, self.unlabelled_source),
                strict=True,
            )
        if progress is not None and self.dist.is_main:
            batches = progress(batches, len(steps))
        t0, last = time.perf_counter(), {}
        for batch in batches:
            parts = self.train_step(*batch) if isinstance(batch, tuple) else self.train_step(batch)
            self.step += 1
            last = parts
            if self.step % cfg.log_every == 0 or self.step == cfg.optim.steps:
                elapsed = time.perf_counter() - t0
                self.log(
                    {"step": self.step, "split": "train", "seconds": round(elapsed, 2), **parts}
                )
            if self.val_source is not None and (
                self.step % cfg.eval_every == 0 or self.step == cfg.optim.steps
            ):
                self._validate_and_keep_best()
            if self.step % cfg.checkpoint_every == 0 or self.step == cfg.optim.steps:
                self.save("last.pt")
        spread = max(
            (max_parameter_spread(m, self.dist) for m in self.models.values()), default=0.0
        )
        summary = {"step": self.step, "split": "end", "best": self.best, **last}
        if self.dist.enabled:
            summary["ddp_max_parameter_spread"] = spread
            summary["world_size"] = self.dist.world_size
        self.log(summary)
        barrier(self.dist)
        shutdown(self.dist)
        return summary

    def _validate_and_keep_best(self) -> None:
        if self.dist.is_main:
            scores = self.validate()
            score = float(np.mean(list(scores.values())))
            self.log({"step": self.step, "split": "val", **scores})
            if self.best["score"] is None or score > self.best["score"]:
                self.best = {"score": score, "step": self.step}
                self.save("best.pt")
        barrier(self.dist)
