"""Parse any photo: detect every face, crop and align it, parse the crop, paste the result back.

from faceparse import FaceParser
parser = FaceParser.default()
result = parser("photo.jpg")          # or a PIL image, a numpy array, or a list of them
result.labels, result.probabilities, result.faces, result.overlay()

The stages, in the order the data flows, each in its own module: which model (`catalog`), the
photo decoded and its faces found (here), which views each face gets (`views`), each view's
scores (`crop_parsers`, `crop_scores`), the views pasted back (`compose`), the result
(`result`).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from ..errors import UnknownNameError
from ..face.align import crop_matrix, warp_to_crop
from ..face.detect import Face, FaceDetector
from ..imageio import frames_in, frames_note, to_rgb
from ..labels import LabelSpace, get_label_space, mapping_lut
from ..models.files import shipped
from .catalog import CATALOG, MODEL_NAMES
from .compose import labels_from_crops, paste_depth
from .crop_parsers import (
    CropModel,
    LandmarkCropModel,
    NetworkCropModel,
    flip_averaged,
    load_parser_runner,
)
from .crop_scores import CropScores
from .depth_input import HAIR_NOTE, given_depth
from .options import ParseOptions
from .result import ParseResult
from .views import (
    FaceCrop,
    context_matrix,
    cuts_head,
    face_part_lut,
    head_lut,
    shows_face_parts,
    whole_image_face,
)


@dataclass
class _Photo:
    """One photo between detection and the network call."""

    rgb: np.ndarray
    source: str | None
    work: np.ndarray  # the photo as parsed (at most max_side)
    scale: float
    faces: list[Face]  # in working-image pixels
    too_small: list[Face]  # in input pixels
    matrices: list[np.ndarray]
    crops: list[np.ndarray]
    depth_crops: list[np.ndarray] | None
    depth_map: np.ndarray | None
    notes: list[str]


class FaceParser:
    """Detection + alignment + a crop model + paste-back. Not thread-safe (MediaPipe graphs and
    one model): give each thread or process its own."""

    def __init__(
        self,
        model: CropModel,
        options: ParseOptions = ParseOptions(),
        space: str | LabelSpace | None = None,
        depth_renderer=None,
    ):
        self.model = model
        self.options = options
        self.space = get_label_space(space) if space is not None else model.space
        mapping_lut(model.space, self.space)  # fail now if the model cannot give this space
        self._head_lut = head_lut(model.space)
        self._part_lut = face_part_lut(model.space)
        self._checks_parts = options.detect and options.require_face_parts
        self.detector = FaceDetector() if options.detect else None
        self._depth_renderer = depth_renderer
        self._without_hair = False  # depth rendered without the hair segmenter (no file for it)

    # -- constructors -------------------------------------------------------------------------
    @classmethod
    def load(
        cls,
        model: str | Path = "default",
        depth_model: str | Path | None = None,
        teacher: str | Path | None = None,
        backend: str = "auto",
        threads: int | None = None,
        device: str = "auto",
        **kwargs,
    ) -> FaceParser:
        """A named model (`catalog.CATALOG`: default, lapa, landmarks; for landmarks,
        `teacher`, a skin/clothes/hair ONNX, adds hair and outer skin), or a parser file
        (.safetensors) or training checkpoint (.pt). `depth_model` replaces the depth parser,
        which is loaded only when depth first comes with a photo. `device`: auto (a GPU when
        there is one), cpu or cuda[:N]; `backend`: onnx (CPU; exported once, cached), torch, or
        auto (onnx on the CPU, torch on a GPU); `threads`: onnxruntime threads (None: its
        default). `kwargs` go to FaceParser."""
        named = CATALOG.get(str(model))
        if named is not None and named.is_landmarks:
            return cls(LandmarkCropModel(teacher), **kwargs)
        if named is not None:
            model = shipped(named.rgb_file)
            depth_model = depth_model or shipped(named.depth_file)
        elif not Path(model).suffix:
            known = (*MODEL_NAMES, "a .safetensors or .pt file")
            raise UnknownNameError("model", str(model), known)
        return cls.from_files(model, depth_model, backend, threads, device, **kwargs)

    @classmethod
    def default(cls, **kwargs) -> FaceParser:
        """The shipped RGB (CelebAMask-HQ 19 classes) and depth parsers (docs/guide/MODELS.md)."""
        return cls.load("default", **kwargs)

    @classmethod
    def from_files(
        cls,
        rgb: str | Path,
        depth: str | Path | None = None,
        backend: str = "auto",
        threads: int | None = None,
        device: str = "auto",
        **kwargs,
    ) -> FaceParser:
        """Parsers from safetensors files (faceparse's format) or training checkpoints (.pt)."""

        def load_depth():
            return load_parser_runner(depth, "depth", backend, threads, device)

        model = NetworkCropModel(
            load_parser_runner(rgb, "rgb", backend, threads, device),
            None if depth is None else load_depth,
        )
        return cls(model, **kwargs)

    @classmethod
    def landmarks(cls, teacher: str | Path | None = None, **kwargs) -> FaceParser:
        """The landmark-geometry parser (no training); `teacher` adds hair and outer skin."""
        return cls.load("landmarks", teacher=teacher, **kwargs)

    # -- parsing ------------------------------------------------------------------------------
    def __call__(
        self, images: Any, depth: Any = None, space: str | LabelSpace | None = None
    ) -> ParseResult | list[ParseResult]:
        """One image -> ParseResult; a list or tuple of images -> a list, their faces parsed
        together in one network call (what a GPU gains from). `depth` is a depth map (path or
        H×W array aligned with the image), "auto" to render one, or None — or a list of them.
        `space`: the output label space for this call (default: the parser's)."""
        if isinstance(images, list | tuple):
            depths = depth if isinstance(depth, list | tuple) else [depth] * len(images)
            return self.parse_many(images, depths, space)
        return self.parse_one(images, depth, space)

    def parse_one(
        self, image: Any, depth: Any = None, space: str | LabelSpace | None = None
    ) -> ParseResult:
        return self.parse_many([image], [depth], space)[0]

    def parse_many(
        self, images: Sequence[Any], depths: Sequence[Any], space: str | LabelSpace | None = None
    ) -> list[ParseResult]:
        out_space = self.space if space is None else get_label_space(space)
        mapping_lut(self.model.space, out_space)  # fail before any work if it cannot be given
        photos = [self._prepare(im, d) for im, d in zip(images, depths, strict=True)]
        views: list[list[FaceCrop]] = [[] for _ in photos]
        # (photo index, view matrix, the view it widens): first every face's crop,
        # then a wider view of each view that cut its head.
        pending = [(i, m, None) for i, p in enumerate(photos) for m in p.matrices]
        face_of_first = [j for p in photos for j in range(len(p.matrices))]  # by pending item
        dropped: list[set[int]] = [set() for _ in photos]
        crops = [c for p in photos for c in p.crops]
        depth_crops = [d for p in photos for d in (p.depth_crops or [None] * len(p.crops))]
        for _ in range(self.options.max_views):
            if not pending:
                break
            cut = []
            scores = self._predict(crops, depth_crops)
            for k, ((i, m, outside), pr) in enumerate(zip(pending, scores, strict=True)):
                view = FaceCrop(pr, m, outside)
                if (
                    outside is None
                    and self._checks_parts
                    and not shows_face_parts(view, self._part_lut)
                ):
                    dropped[i].add(face_of_first[k])  # no face: no views, no wider ones
                    continue
                views[i].append(view)
                shape = photos[i].work.shape[:2]
                if self.options.context_zoom > 1 and cuts_head(view, shape, self._head_lut):
                    cut.append((i, view))
            size = round(self.options.context_scale * self.model.size)
            zoom = self.options.context_zoom
            pending = [(i, context_matrix(v, zoom, size), v) for i, v in cut]
            crops = [warp_to_crop(photos[i].work, m, size) for i, m, _ in pending]
            depth_crops = [self._context_depth(photos[i], m, size) for i, m, _ in pending]
        for p, gone in zip(photos, dropped, strict=True):
            if gone:
                p.faces = [f for j, f in enumerate(p.faces) if j not in gone]
                p.notes.append(
                    f"{len(gone)} detection(s) dropped: no eyes, brows, nose or mouth in the crop"
                )
        return [self._finish(p, v, out_space) for p, v in zip(photos, views, strict=True)]

    def _predict(self, crops: list, depth_crops: list) -> list[CropScores]:
        """Scores per crop: one network call for the crops that come with depth and one for
        those without."""
        out: list = [None] * len(crops)
        for with_depth in (False, True):
            idx = [i for i, d in enumerate(depth_crops) if (d is not None) == with_depth]
            if idx:
                depth = np.stack([depth_crops[i] for i in idx]) if with_depth else None
                scores = self._predict_batch(np.stack([crops[i] for i in idx]), depth)
                for i, sc in zip(idx, scores, strict=True):
                    out[i] = sc
        return out

    def _predict_batch(self, crops: np.ndarray, depth: np.ndarray | None) -> list[CropScores]:
        if self.options.flip:
            return flip_averaged(self.model, crops, depth)
        return self.model.predict(crops, depth)

    def _context_depth(self, p: _Photo, matrix: np.ndarray, size: int) -> np.ndarray | None:
        if p.depth_crops is None:
            return None
        return warp_to_crop(p.depth_map, matrix, size, nearest=True)

    def _prepare(self, image: Any, depth: Any) -> _Photo:
        """Decode, scale to max_side, detect, and cut each face's crop (and depth crop)."""
        rgb, source = to_rgb(image, self.options.max_pixels)
        full_h, full_w = rgb.shape[:2]
        scale = min(1.0, self.options.max_side / max(full_h, full_w))
        work = rgb
        if scale < 1:
            size = (max(1, round(full_w * scale)), max(1, round(full_h * scale)))
            work = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)
        render_depth = isinstance(depth, str) and depth == "auto"
        depth_map = None if render_depth else given_depth(depth, work, source)
        notes: list[str] = []
        if isinstance(image, str | os.PathLike) and (note := frames_note(frames_in(image))):
            notes.append(note)
        faces, too_small = self._faces(rgb)
        if too_small:
            notes.append(
                f"{len(too_small)} face(s) narrower than {self.options.min_face_px} px not parsed"
            )
        faces = [f.scaled(scale) for f in faces]
        if len(faces) > self.options.max_faces:
            notes.append(f"{len(faces)} faces found; parsed the {self.options.max_faces} largest")
            faces = faces[: self.options.max_faces]
        size = self.options.input_size or self.model.size
        matrices = [crop_matrix(f, size, self.options.zoom, self.options.head_shift) for f in faces]
        crops = [warp_to_crop(work, m, size) for m in matrices]
        depth_crops = None
        if render_depth:
            # Depth is rendered per face on its aligned crop, the way the depth parser's
            # training crops were made (docs/guide/MODELS.md), so every face in a group photo
            # gets its own head fit and near-to-far range; the photo-level map is pasted back.
            depth_crops = [self._render_depth(crop) for crop in crops]
            if self._without_hair:
                notes.append(f"depth rendered without extending the head over hair: {HAIR_NOTE}")
            canvas = np.zeros(work.shape[:2], np.uint8)
            depth_map = paste_depth(depth_crops, matrices, canvas) if crops else canvas
        elif depth_map is not None and self.model.uses_depth:
            depth_crops = [warp_to_crop(depth_map, m, size, nearest=True) for m in matrices]
        if not self.model.uses_depth:
            depth_crops = None
        return _Photo(
            rgb,
            source,
            work,
            scale,
            faces,
            too_small,
            matrices,
            crops,
            depth_crops,
            depth_map,
            notes,
        )

    def _finish(self, p: _Photo, views: list[FaceCrop], space: LabelSpace) -> ParseResult:
        crops = [v.in_space(self.model.space, space) for v in views]
        labels = labels_from_crops(crops, p.work.shape[:2])
        notes = list(p.notes)
        if p.scale < 1:
            full_h, full_w = p.rgb.shape[:2]
            labels = cv2.resize(labels, (full_w, full_h), interpolation=cv2.INTER_NEAREST)
            notes.append(f"parsed at {p.work.shape[1]}×{p.work.shape[0]} (max_side)")
        if not p.faces:
            notes.append("no face found")
        return ParseResult(
            image=p.rgb,
            labels=labels,
            faces=[f.scaled(1 / p.scale) for f in p.faces],
            space=space,
            crops=crops,
            too_small=p.too_small,
            work_shape=p.work.shape[:2],
            scale=p.scale,
            depth=p.depth_map,
            source=p.source,
            notes=notes,
        )

    def _faces(self, image: np.ndarray) -> tuple[list[Face], list[Face]]:
        """(faces to parse, faces too small), in the pixels of `image`: the input at full
        resolution, since a 40 px face in a 4096 px photo is 20 px at the working size."""
        if self.detector is None:  # the image is the crop: a face filling it, upright
            h, w = image.shape[:2]
            return [whole_image_face(w, h)], []
        found = self.detector(image)
        big = [f for f in found if f.box[2] - f.box[0] >= self.options.min_face_px]
        return big, [f for f in found if f.box[2] - f.box[0] < self.options.min_face_px]

    def _render_depth(self, crop: np.ndarray) -> np.ndarray:
        if self._depth_renderer is None:
            from ..depth import DepthConfig, DepthRenderer
            from ..depth.mesh_files import hair_model_found

            # The hair segmenter is not shipped: a fresh install renders the head without it.
            self._without_hair = not hair_model_found()
            hair = "none" if self._without_hair else "predicted"
            self._depth_renderer = DepthRenderer(
                DepthConfig(backend="head", fit=self.options.depth_fit, hair=hair)
            )
        return self._depth_renderer(crop)[0]

    def close(self) -> None:
        if self.detector is not None:
            self.detector.close()
