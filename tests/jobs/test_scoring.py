"""Tests of faceparse.jobs.scoring (`faceparse.evaluate`)."""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest

import faceparse
from faceparse.errors import ConfigError
from faceparse.labels import FASSEG


class _Parser:
    """Gives back the labels stored for each photo (keyed by its first pixel), records calls."""

    detector = object()

    def __init__(self, labels: dict[int, np.ndarray]):
        self.labels, self.calls = labels, []

    def __call__(self, image, depth=None, space=None):
        self.calls.append((depth, space))
        key = int(image[0, 0, 0])
        return SimpleNamespace(labels=self.labels[key], faces=[] if key == 2 else ["face"])


def _sample(name, key, label, depth=None):
    image = np.full((*label.shape, 3), key, np.uint8)
    return SimpleNamespace(name=name, image=image, label=label, depth=depth)


def test_scores_by_hand_over_two_photos_with_per_photo_rows():
    truth_a = np.array([[0, 1], [1, 3]], np.uint8)  # background, hair, hair, eyes
    pred_a = np.array([[0, 1], [2, 3]], np.uint8)  # one hair pixel called skin
    truth_b = np.array([[0, 0], [3, 255]], np.uint8)  # 255: ignored
    pred_b = np.array([[0, 3], [3, 1]], np.uint8)
    parser = _Parser({1: pred_a, 2: pred_b})
    samples = [_sample("a", 1, truth_a, depth="d-a"), _sample("b", 2, truth_b, depth="d-b")]
    report = faceparse.evaluate(parser, samples, space=FASSEG, depth="sample")
    assert parser.calls == [("d-a", FASSEG), ("d-b", FASSEG)]  # the sample's own depth
    conf = report.confusion
    assert conf[0, 0] == 2 and conf[0, 3] == 1 and conf[1, 1] == 1 and conf[1, 2] == 1
    assert conf[3, 3] == 2 and conf.sum() == 7  # the ignored pixel is not counted
    s = report.scores
    # hair: TP 1, FP 0, FN 1 -> F1 2/3, precision 1, recall 1/2; eyes: TP 2, FP 1 -> F1 4/5
    assert s.f1("hair") == pytest.approx(2 / 3) and s.f1("eyes") == pytest.approx(4 / 5)
    assert s.per_class_precision[1] == 1 and s.per_class_recall[1] == pytest.approx(0.5)
    assert s.pixel_accuracy == pytest.approx(5 / 7)
    a, b = report.images
    assert (a.name, a.faces, a.pixel_accuracy) == ("a", 1, 0.75)
    # photo a: hair 2/3, skin 0 (predicted, never true), eyes 1; nose and mouth absent
    assert a.mean_f1 == pytest.approx((2 / 3 + 0 + 1) / 3)
    assert b.faces == 0 and report.no_face == ["b"]
    assert report.to_dict()["images"][1]["name"] == "b"
    assert "no face found in 1" in report.to_markdown()


def test_the_dataset_gives_the_space_and_a_bad_depth_source_is_refused():
    class Data(list):
        space = FASSEG

    parser = _Parser({1: np.zeros((2, 2), np.uint8)})
    report = faceparse.evaluate(parser, Data([_sample("a", 1, np.zeros((2, 2), np.uint8))]))
    assert report.space is FASSEG and report.scores.pixel_accuracy == 1
    assert math.isnan(report.images[0].mean_f1)  # no foreground class anywhere
    with pytest.raises(ConfigError, match="depth is one of none, sample, auto"):
        faceparse.evaluate(parser, [], space=FASSEG, depth="real")


def test_eval_photos_scores_a_named_model_end_to_end_from_the_command_line(tmp_path):
    import json

    from skimage import data
    from typer.testing import CliRunner

    from faceparse.cli import app
    from faceparse.imageio import write_png_atomic
    from faceparse.parsing import FaceParser

    root = tmp_path / "faces"
    photo = data.astronaut()
    truth = FaceParser.load("default", space="lapa")(photo).labels  # the labels it will give
    write_png_atomic(root / "images" / "astronaut.png", photo)
    write_png_atomic(root / "labels" / "astronaut.png", truth)
    (root / "test_list.txt").write_text("astronaut\n")
    args = ["eval", "default", "--photos", "-d", "folder", "--root", str(root), "-o", str(tmp_path)]
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.output
    scores = json.loads((tmp_path / "scores.json").read_text())
    assert scores["pixel_accuracy"] == 1 and scores["images"][0]["faces"] == 1
    assert scores["detect"] is True and "Parsed with detection" in res.output
