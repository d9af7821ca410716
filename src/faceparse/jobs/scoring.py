"""Score a photo parser end to end on labelled photos: `faceparse.evaluate`.

    from faceparse import FaceParser, evaluate
    from faceparse.datasets import open_dataset
    report = evaluate(FaceParser.load("default"), open_dataset("fasseg", root, "test"))
    report.scores.mean_f1, report.scores.f1("eyes"), report.images[0], report.to_markdown()

Each photo goes through the whole parser (detection, views, paste-back; with `detect=False`
in the parser's options each photo is one face crop), its labels are asked for in the labels'
own space, and one confusion matrix gathers every pixel: dataset-level scores, as in
`faceparse eval`. Each photo also gets its own row (faces found, pixel accuracy, mean F1 over
the classes it shows).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..datasets import open_dataset
from ..errors import ConfigError
from ..imageio import write_text_atomic
from ..labels import LabelSpace, get_label_space
from ..metrics import (
    ParsingEvaluator,
    ParsingScores,
    per_class_f1,
    pixel_accuracy,
)
from ..metrics.confusion import nanmean
from ..metrics.evaluator import json_safe

# What a photo is parsed with: nothing, the sample's own depth map, or one rendered from it.
DEPTH_SOURCES = (None, "sample", "auto")


@dataclass(frozen=True)
class ImageRow:
    name: str
    faces: int  # faces the parser found and parsed
    pixel_accuracy: float
    mean_f1: float  # over the foreground classes this photo's labels or prediction hold


@dataclass(frozen=True)
class ParserReport:
    """Dataset-level scores (`scores`, from `confusion`, rows truth and columns prediction)
    and one row per photo."""

    space: LabelSpace
    confusion: np.ndarray
    scores: ParsingScores
    images: tuple[ImageRow, ...]
    detect: bool
    depth: str | None

    @property
    def no_face(self) -> list[str]:
        """Photos where the parser found no face."""
        return [r.name for r in self.images if r.faces == 0]

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.scores.to_dict(),
            "detect": self.detect,
            "depth": self.depth,
            "confusion": self.confusion.tolist(),
            "images": [{k: json_safe(v) for k, v in vars(r).items()} for r in self.images],
        }

    def to_markdown(self) -> str:
        how = "with detection" if self.detect else "each photo one face crop"
        missed = f"; no face found in {len(self.no_face)}" if self.no_face else ""
        return (
            f"Parsed {how}, depth {self.depth or 'none'}{missed}.\n\n" + self.scores.to_markdown()
        )


def evaluate(
    parser,
    samples: Iterable,
    space: str | LabelSpace | None = None,
    depth: str | None = None,
    progress: Callable[[Iterable], Iterable] | None = None,
) -> ParserReport:
    """Score `parser` (a FaceParser) on `samples` (a dataset, or any iterable of samples with
    `name`, `image`, `label` and, for depth="sample", `depth`). `space`: the labels' space
    (default: the dataset's, `samples.space`); the parser must be able to give it."""
    if depth not in DEPTH_SOURCES:
        raise ConfigError(f"depth is one of none, sample, auto; got {depth!r}")
    space = get_label_space(space if space is not None else samples.space)
    evaluator = ParsingEvaluator(space)
    rows = []
    for s in samples if progress is None else progress(samples):
        given = s.depth if depth == "sample" else depth
        result = parser(s.image, depth=given, space=space)
        conf = evaluator.update(result.labels, s.label)
        f1 = nanmean(per_class_f1(conf)[1:])
        rows.append(ImageRow(s.name, len(result.faces), pixel_accuracy(conf), f1))
    return ParserReport(
        space,
        evaluator.confusion.copy(),
        evaluator.compute(),
        tuple(rows),
        parser.detector is not None,
        depth,
    )


def evaluate_model(
    model: str | Path,
    dataset: str,
    root: str | Path,
    split: str = "test",
    depth: str | None = None,
    detect: bool = True,
    out: Path | None = None,
    progress: Callable[[Iterable], Iterable] | None = None,
    depth_folder: str | Path | None = None,
    **options,
) -> ParserReport:
    """`faceparse eval --photos`: a named model or parser file scored end to end on a dataset
    split; with `out`, also out/scores.md and scores.json. `options` go to the dataset reader."""
    from ..parsing import FaceParser, ParseOptions

    ds = open_dataset(dataset, root, split, depth=depth_folder, **options)
    parser = FaceParser.load(model, options=ParseOptions(detect=detect), space=ds.space)
    samples = (ds[i] for i in range(len(ds)))
    try:
        report = evaluate(parser, samples, ds.space, depth, progress)
    finally:
        parser.close()
    if out is not None:
        write_text_atomic(out / "scores.md", report.to_markdown())
        write_text_atomic(out / "scores.json", json.dumps(report.to_dict(), indent=2))
    return report
