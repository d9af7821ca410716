"""The training loop, the same for every mode (faceparse.training.modes says what each mode
trains and its loss terms); `Trainer(config).fit()`.

The loop owns what no mode should care about: data order and augmentation (exact on resume),
the optimiser and its schedule, AMP, DDP, validation and the best checkpoint, metrics.jsonl,
and atomic checkpoints.
"""

from __future__ import annotations

import contextlib
import json
import random
import sys
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np
import torch
import yaml
from torch.nn.parallel import DistributedDataParallel

from ..datasets import open_dataset
from ..datasets.accessories import CLASS_OF as ACCESSORY_CLASSES
from ..datasets.synthetic import synthetic_dataset
from ..errors import ConfigError, ModelFileError
from ..imageio import atomic_open
from ..labels import get_label_space
from ..losses import (
    discriminator_adversarial,
    parser_loss,
)
from ..models.files import ParserCard, load_parser, read_checkpoint, remap_classes
from ..models.runtime import resolve_device
from .augment import DecodedFaces, DeviceAugment
from .checkpoint import load_checkpoint, save_checkpoint
from .config import TrainConfig
from .data import (
    AugmentedFaces,
    StepBatches,
    UnlabelledPhotos,
    choose_depth_labelled,
    choose_real_depth,
)
from .distributed import DistInfo, barrier, init_distributed, max_parameter_spread, shutdown
from .evaluate import evaluate
from .modes import Batch, Step, training_mode
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
    if len(ds) == 0:
        with_depth = f" with a depth map in {d.depth}" if d.depth else ""
        raise ConfigError(f"{d.root}: no {split} samples{with_depth} in this {d.dataset} dataset")
    return ds


class Trainer:
    def __init__(
        self,
        config: TrainConfig,
        resume: bool = False,
        teacher: Teacher | None = None,
        force_resume: bool = False,
    ):
        self.config = config
        self.force_resume = force_resume
        self.out = Path(config.out)
        device = resolve_device(config.device)
        cuda = device.type == "cuda"
        self.dist: DistInfo = init_distributed(device.type)
        if cuda and self.dist.enabled:  # one GPU per process under torchrun
            device = torch.device(f"cuda:{self.dist.local_rank}")
        self.device = device
        seed_everything(config.seed)

        self.train_source = open_training_source(config, config.data.train_split)
        self.space = get_label_space(self.train_source[0].space)
        drawn = set(ACCESSORY_CLASSES.values())
        if config.data.accessories and not drawn <= set(self.space.classes):
            raise ConfigError(
                f"data.accessories draws CelebAMask-HQ classes; the data is in {self.space.name}"
            )
        self.val_source = (
            open_training_source(config, config.data.val_split) if config.data.val_split else None
        )
        self.depth_labelled = choose_depth_labelled(
            len(self.train_source), config.data.depth_label_fraction, config.seed
        )
        self.real_depth = choose_real_depth(
            len(self.train_source), config.data.real_depth_fraction, config.seed
        )
        self.mode = training_mode(config)
        self.models = self.mode.build_networks(config, self.space.num_classes)
        if config.model.init:
            self._initialise(Path(config.model.init))
        self.teacher, self.unlabelled_source = None, None
        if self.mode.unlabelled:
            self.teacher, self.unlabelled_source = self._distillation_inputs(teacher)
        elif self.mode.needs_teacher:
            self.teacher = teacher or self._load_teacher()
        # Measured on the 2-core CPU (docs/results/MUTUAL_LEARNING.md): bf16 autocast makes
        # *training* ~10× slower there (no native bf16 matmul), so "auto" is fp16 AMP on CUDA and
        # fp32 on CPU.
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
        self.augment = DeviceAugment(self.space)
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
            state = net.state_dict()
            if card.label_space.name != self.space.name:
                state = remap_classes(state, card.label_space, self.space)
            loaded = {card.modality: state}
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

    def cards(self) -> dict:
        """What rebuilds each network of the checkpoint without its config: a ParserCard per
        parser, the translator's width."""
        cfg = self.config
        trained = f"faceparse train: mode {cfg.mode}, {cfg.optim.steps} steps on {cfg.data.root}"
        cards: dict = {
            m: asdict(ParserCard(cfg.model.parser, m, self.space.name, cfg.data.size, trained))
            for m in ("rgb", "depth")
            if m in self.models
        }
        if "translator" in self.models:
            cards["translator"] = {"width": cfg.model.translator_width}
        return cards

    def state(self) -> dict:
        return {
            "config": self.config.to_dict(),
            "cards": self.cards(),
            "label_space": self.space.name,
            "step": self.step,
            "models": {n: m.state_dict() for n, m in self.models.items()},
            "optimizer": self.optimizer.state_dict(),
            "disc_optimizer": self.disc_optimizer.state_dict() if self.disc_optimizer else None,
            "scaler": self.scaler.state_dict(),
            "disc_scaler": self.disc_scaler.state_dict(),
            "best": self.best,
            "depth_labelled": self.depth_labelled,
            "real_depth": self.real_depth,
        }

    def _restore(self, path: Path) -> None:
        state = load_checkpoint(path, restore_rng=True)
        self._check_resumable(path, state["config"])
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
        # checkpoints from before scarce depth had every depth map
        self.real_depth = state.get("real_depth", np.ones(len(self.depth_labelled), bool))

    def _check_resumable(self, path: Path, saved: dict) -> None:
        """A one-line ConfigError where the run being resumed was another: its mode (other
        networks), or, unless `force_resume`, its batch, input size, parser or data (the data
        order and the schedule would no longer be the run's)."""
        now = self.config.to_dict()
        if saved["mode"] != now["mode"]:
            raise ConfigError(
                f"{path}: a mode {saved['mode']} run, and this config trains mode "
                f"{now['mode']}; resume with mode {saved['mode']}, or train into a new out"
            )
        keys = (("optim", "batch_size"), ("data", "size"), ("model", "parser"), ("data", "root"))
        changed = [
            f"{a}.{b} {saved[a][b]!r} -> {now[a][b]!r}"
            for a, b in keys
            if saved.get(a, {}).get(b) != now[a][b]
        ]
        if changed and not self.force_resume:
            raise ConfigError(
                f"{path}: resuming with other settings ({', '.join(changed)}); use the run's "
                "own, or --force-resume to go on anyway"
            )

    def log(self, record: dict) -> None:
        if self.dist.is_main:
            self.out.mkdir(parents=True, exist_ok=True)
            with open(self.out / "metrics.jsonl", "a") as f:
                f.write(json.dumps(record) + "\n")

    def _record_skipped(self, skipped: list[str]) -> None:
        """Log each damaged training file once (metrics.jsonl and stderr); training goes on."""
        for reasons in skipped:
            for reason in filter(None, reasons.split("\n")):
                if reason not in self.skipped:
                    self.skipped.add(reason)
                    self.log({"step": self.step, "split": "labelled", "skipped": reason})
                    if self.dist.is_main:
                        print(f"skipped a damaged training file: {reason}", file=sys.stderr)

    # -- one step ---------------------------------------------------------------------------
    def train_step(self, batch: dict, unlabelled: dict | None = None) -> dict[str, float]:
        """One optimiser step on a loader batch (and, in distill mode, unlabelled photos);
        returns the logged parts: lr, each loss term, and the total as `loss`."""
        for model in self.train_models.values():
            model.train()
        lr = self.lr_at(self.step)
        for group in self.optimizer.param_groups:
            group["lr"] = lr
        b = Batch.collate(batch, unlabelled)
        self._record_skipped(b.skipped)
        s = Step(self, lr)
        b = b.to(self.device).augmented(self.augment)
        if self.channels_last:
            b = b.to(self.device, channels_last=True)
        total = self.mode.losses(s, b)
        self.optimizer.zero_grad(set_to_none=True)
        self.scaler.scale(total).backward()
        self.scaler.step(self.optimizer)
        self.scaler.update()
        for follow_up in s.after:
            follow_up()
        s.parts["loss"] = float(total.detach())
        return s.parts

    def discriminator_step(self, rgb, real, fake) -> float:
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
        if cfg.data.augment == "device" and source is None:
            data = DecodedFaces(
                self.train_source,
                cfg.data.size,
                cfg.seed,
                self.depth_labelled,
                self.mode.uses_depth,
                self.real_depth,
            )
        else:
            data = AugmentedFaces(
                source or self.train_source,
                cfg.data.size,
                cfg.seed,
                self.depth_labelled,
                self.mode.uses_depth,
                self.real_depth,
                occlusion=cfg.data.occlusion if source is None else 0.0,
                accessories=cfg.data.accessories if source is None else 0.0,
                occluded_copies=(
                    cfg.distill.copies if self.mode.occluded_copies and source is None else 0
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
        # The DDP wrappers hold the process group: left for interpreter exit, gloo's worker
        # threads are torn down in no fixed order and a rank can abort after a good run.
        self.train_models = dict(self.models)
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
