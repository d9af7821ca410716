"""Tests of faceparse.models.runtime."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image
from skimage import data

from faceparse.errors import UnknownNameError
from faceparse.models.files import load_parser, shipped
from faceparse.models.runtime import cached_onnx, parser_runner, softmax
from faceparse.normalization import normalize_rgb
from faceparse.parsing import FaceParser


def test_softmax_by_hand():
    p = softmax(np.array([[[[0.0]], [[np.log(3.0)]]]], np.float32))
    assert p[0, :, 0, 0] == pytest.approx([0.25, 0.75])


def test_onnx_and_torch_give_the_same_probabilities_and_the_export_is_cached(tmp_path, monkeypatch):
    monkeypatch.setenv("FACEPARSE_CACHE_DIR", str(tmp_path))
    path = shipped("rgb_lapa.safetensors")
    net, card = load_parser(path)
    crop = np.asarray(Image.fromarray(data.astronaut()).resize((256, 256)))
    x = normalize_rgb(crop)[None]
    onnx = parser_runner(net, card, path, "onnx", threads=1)(x)
    torch_ = parser_runner(net, card, path, "torch")(x)
    assert onnx.shape == (1, 11, 256, 256)
    np.testing.assert_allclose(onnx, torch_, atol=1e-4)  # the stated tolerance
    assert (onnx.argmax(1) == torch_.argmax(1)).mean() > 0.9999
    exported = cached_onnx(net, card, path)
    assert exported.parent == tmp_path / "onnx" and exported.stat().st_mtime > 0
    mtime = exported.stat().st_mtime_ns
    assert cached_onnx(net, card, path).stat().st_mtime_ns == mtime  # not exported again
    with pytest.raises(UnknownNameError, match="unknown backend 'tpu'"):
        parser_runner(net, card, path, "tpu")


def test_both_backends_label_a_real_photo_alike():
    photo = data.astronaut()
    onnx = FaceParser.load("default", backend="onnx", threads=1)(photo).labels
    torch_ = FaceParser.load("default", backend="torch")(photo).labels
    assert (onnx == torch_).mean() > 0.9999 and (onnx == 6).sum() > 500  # a real nose
