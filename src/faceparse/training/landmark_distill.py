"""Distilling MediaPipe's face mesh into an occlusion-resistant student (issue #29, after Tiwari
et al., WACV 2022): the teacher sees the clean photo, the student several occluded copies of it
at once.

Loss per photo, over its V variants (same crop, different occluders):
    mean_v |student(variant_v) - teacher(clean)|  +  consistency × mean_v |student_v - mean_v|
with z weighted by `z_weight` (MediaPipe's z is its weaker estimate). The consistency term is
the paper's multi-occlusion loss: whatever covers the face, the answer is one face.

`prepare_teacher` runs detector and mesh once per photo and caches them; `train_landmark_student`
trains from that cache with a checkpoint every `checkpoint_every` steps and resumes from the
last; `export_landmark_student` writes the ONNX file `faceparse.face.robust_landmarks` runs.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch

from ..datasets.face_occluders import occlude_face
from ..depth.mesh_files import CanonicalFace, model_dir
from ..errors import ConfigError, DataError
from ..face.detect import Face, FaceDetector
from ..face.landmarks import FaceMeshDetector
from ..face.robust_landmarks import CROP_SIZE, CropFrame, crop_frame
from ..imageio import read_rgb
from ..models.landmark_regressor import LandmarkRegressor
from ..models.onnx import export_onnx, quantize_int8
from ..normalization import normalize_rgb
from .checkpoint import load_checkpoint, save_checkpoint

INT8_CALIBRATION_PHOTOS = 64


@dataclass(frozen=True)
class LandmarkDistillConfig:
    steps: int = 1200
    photos_per_step: int = 6
    variants: int = 3  # occluded copies of each photo per step (the first may stay clean)
    clean_share: float = 0.25  # of first variants left unoccluded: the clean fit must not suffer
    max_occluded_share: float = 0.6
    lr: float = 1e-3
    weight_decay: float = 1e-4
    consistency: float = 0.5
    z_weight: float = 0.5
    basis_size: int = 64
    basis_samples: int = 4000  # jittered crops the shape basis is computed from
    size: int = CROP_SIZE
    # crop jitter: centre shift (box sides), scale (× the crop scale), roll (degrees)
    shift: float = 0.06
    scale: float = 0.1
    roll: float = 12.0
    seed: int = 0
    checkpoint_every: int = 50


@dataclass
class TeacherSet:
    """Per photo: its path, the detector's face on the clean photo and MediaPipe's 468 points."""

    paths: list[str]
    boxes: np.ndarray  # (N, 4)
    keypoints: np.ndarray  # (N, 6, 2)
    points: np.ndarray  # (N, 468, 3) image pixels

    def face(self, i: int) -> Face:
        return Face(tuple(self.boxes[i]), 1.0, self.keypoints[i])

    def head(self, n: int) -> TeacherSet:
        """The first `n` photos."""
        return TeacherSet(self.paths[:n], self.boxes[:n], self.keypoints[:n], self.points[:n])

    def save(self, path: Path) -> None:
        np.savez(
            path,
            paths=np.array(self.paths),
            boxes=self.boxes,
            keypoints=self.keypoints,
            points=self.points,
        )

    @classmethod
    def load(cls, path: Path) -> TeacherSet:
        d = np.load(path)
        return cls([str(p) for p in d["paths"]], d["boxes"], d["keypoints"], d["points"])


def prepare_teacher(photos: list[Path], cache: Path, log=print) -> TeacherSet:
    """Detector face and MediaPipe mesh of each clean photo, cached in `cache` per list of
    photos; photos where either finds nothing are left out, and so are photos that cannot be
    read (each said through `log`)."""
    digest = hashlib.sha1("\n".join(map(str, photos)).encode()).hexdigest()[:10]
    path = cache / f"teacher-{digest}.npz"
    if path.is_file():
        return TeacherSet.load(path)
    detector, mesh = FaceDetector(), FaceMeshDetector()
    kept, boxes, kps, pts = [], [], [], []
    for photo in photos:
        try:
            image = read_rgb(photo)
        except DataError as e:
            log(f"skipped {e}")
            continue
        faces, landmarks = detector(image), mesh(image)
        if not faces or landmarks is None:
            continue
        kept.append(str(photo))
        boxes.append(faces[0].box)
        kps.append(faces[0].keypoints)
        pts.append(landmarks.points)
    teacher = TeacherSet(kept, np.array(boxes), np.array(kps), np.array(pts))
    cache.mkdir(parents=True, exist_ok=True)
    teacher.save(path)
    return teacher


class VariantSampler:
    """Jittered, possibly flipped crops of teacher photos with their target points (crop units)
    and V occluded variants each."""

    def __init__(self, teacher: TeacherSet, config: LandmarkDistillConfig, seed: int):
        self.teacher, self.config = teacher, config
        self.rng = np.random.default_rng(seed)
        self.images = [read_rgb(p) for p in teacher.paths]
        self.mirror = CanonicalFace.load(model_dir(None)).mirror_ids()

    def crop(self, i: int, jitter: bool = True) -> tuple[np.ndarray, np.ndarray, CropFrame]:
        c, rng = self.config, self.rng
        frame = crop_frame(
            self.teacher.face(i),
            c.size,
            shift=tuple(rng.uniform(-c.shift, c.shift, 2)) if jitter else (0.0, 0.0),
            scale=1.5 * (1 + rng.uniform(-c.scale, c.scale)) if jitter else 1.5,
            angle=rng.uniform(-c.roll, c.roll) if jitter else 0.0,
        )
        image, target = frame.warp(self.images[i]), frame.to_crop_units(self.teacher.points[i])
        if jitter and rng.random() < 0.5:
            image = np.ascontiguousarray(image[:, ::-1])
            target = target[self.mirror]
            target[:, 0] = 1 - target[:, 0] - 1 / c.size  # pixel centres mirror about the crop
        return image, target, frame

    def batch(self) -> tuple[torch.Tensor, torch.Tensor]:
        """(P·V, 3, S, S) inputs, photo-major, and (P, 468, 3) targets."""
        c, rng = self.config, self.rng
        inputs, targets = [], []
        for i in rng.integers(len(self.images), size=c.photos_per_step):
            image, target, _ = self.crop(int(i))
            points_px = np.column_stack([target[:, :2] * c.size, target[:, 2] * c.size])
            for v in range(c.variants):
                if v == 0 and rng.random() < c.clean_share:
                    variant = image
                else:
                    variant = occlude_face(
                        image, points_px, rng, share_range=(0.05, c.max_occluded_share)
                    ).image
                inputs.append(normalize_rgb(variant))
            targets.append(target)
        return torch.from_numpy(np.stack(inputs)), torch.from_numpy(np.stack(targets)).float()


def shape_basis(sampler: VariantSampler, k: int, samples: int = 4000):
    """Mean and top-k principal directions of jittered, flipped target shapes (crop units)."""
    shapes = np.stack(
        [
            sampler.crop(int(i))[1].ravel()
            for i in sampler.rng.integers(len(sampler.images), size=samples)
        ]
    )
    mean = shapes.mean(0)
    _, _, vt = np.linalg.svd(shapes - mean, full_matrices=False)
    std = (shapes - mean) @ vt[:k].T
    # basis rows scaled by each component's spread: the head's outputs are then of unit size
    return torch.from_numpy(mean), torch.from_numpy(vt[:k] * std.std(0)[:, None])


def distill_loss(
    pred: torch.Tensor, target: torch.Tensor, variants: int, z_weight: float, consistency: float
) -> tuple[torch.Tensor, dict[str, float]]:
    w = torch.tensor([1.0, 1.0, z_weight])
    pred = pred.view(-1, variants, *pred.shape[1:])
    fit = ((pred - target[:, None]).abs() * w).mean()
    agree = ((pred - pred.mean(1, keepdim=True)).abs() * w).mean()
    parts = {"fit": fit.item(), "consistency": agree.item()}
    return fit + consistency * agree, parts


def train_landmark_student(
    teacher: TeacherSet, config: LandmarkDistillConfig, out: Path, log=print
) -> Path:
    """Train (resuming from `out`/last.pt) and return the final checkpoint's path."""
    out.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(config.seed)
    sampler = VariantSampler(teacher, config, config.seed)
    last = out / "last.pt"
    if last.is_file():
        state = load_checkpoint(last, restore_rng=True)
        if state["config"] != asdict(config):
            raise ConfigError(f"{last} was trained with another configuration; use a new folder")
        mean, basis = state["mean_shape"], state["basis"]
        model = LandmarkRegressor(mean, basis, pretrained=False)
        model.load_state_dict(state["model"])
        sampler.rng = np.random.default_rng([config.seed, state["step"]])
    else:
        state = {"step": 0}
        mean, basis = shape_basis(sampler, config.basis_size, config.basis_samples)
        model = LandmarkRegressor(mean, basis)
    optim = torch.optim.AdamW(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    sched = torch.optim.lr_scheduler.OneCycleLR(
        optim, config.lr, total_steps=config.steps, pct_start=0.05
    )
    if "optim" in state:
        optim.load_state_dict(state["optim"])
        sched.load_state_dict(state["sched"])
    model.train()
    t0 = time.perf_counter()
    for step in range(state["step"], config.steps):
        x, y = sampler.batch()
        loss, parts = distill_loss(
            model(x), y, config.variants, config.z_weight, config.consistency
        )
        optim.zero_grad()
        loss.backward()
        optim.step()
        sched.step()
        done = step + 1
        if done % config.checkpoint_every == 0 or done == config.steps:
            save_checkpoint(
                last,
                {
                    "step": done,
                    "model": model.state_dict(),
                    "optim": optim.state_dict(),
                    "sched": sched.state_dict(),
                    "mean_shape": mean,
                    "basis": basis,
                    "config": asdict(config),
                },
            )
            log(
                json.dumps(
                    {
                        "step": done,
                        "loss": round(loss.item(), 5),
                        **{k: round(v, 5) for k, v in parts.items()},
                        "seconds": round(time.perf_counter() - t0, 1),
                    }
                )
            )
    return last


def export_landmark_student(
    checkpoint: Path, path: Path, int8_calibration: TeacherSet | None = None
) -> Path:
    """The ONNX file `RobustFaceMesh` runs; with `int8_calibration`, also an int8 copy beside
    it (`NAME.int8.onnx`; convolutions int8, the regression head float), calibrated on clean
    crops of those photos."""
    state = load_checkpoint(checkpoint)
    model = LandmarkRegressor(state["mean_shape"], state["basis"], pretrained=False)
    model.load_state_dict(state["model"])
    size = state["config"]["size"]
    meta = {
        "task": "face mesh, 468 points in crop units",
        "crop_size": size,
        "steps": state["step"],
        "normalization": "imagenet",
    }
    export_onnx(model, path, 3, size, meta, output_name="points", spatial=False)
    if int8_calibration is not None:
        config = LandmarkDistillConfig(**state["config"])
        # the sampler reads every photo it is given: only those the calibration uses
        calibration = int8_calibration.head(INT8_CALIBRATION_PHOTOS)
        sampler = VariantSampler(calibration, config, seed=1)
        crops = [
            normalize_rgb(sampler.crop(i, jitter=False)[0])[None]
            for i in range(len(calibration.paths))
        ]
        quantize_int8(path, path.with_suffix(".int8.onnx"), crops, float_ops=("Gemm", "MatMul"))
    return path
