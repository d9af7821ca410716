"""Tests of faceparse.models.runtime."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image
from skimage import data

from faceparse.errors import UnknownNameError
from faceparse.models.cpu import has_int8_dot_product
from faceparse.models.files import load_parser, shipped
from faceparse.models.runtime import cached_onnx, parser_runner
from faceparse.normalization import normalize_rgb
from faceparse.parsing import FaceParser
from faceparse.parsing.crop_scores import probabilities


def test_onnx_and_torch_give_the_same_probabilities_and_the_export_is_cached(tmp_path, monkeypatch):
    monkeypatch.setenv("FACEPARSE_CACHE_DIR", str(tmp_path))
    path = shipped("rgb_lapa.safetensors")
    net, card = load_parser(path)
    crop = np.asarray(Image.fromarray(data.astronaut()).resize((256, 256)))
    x = normalize_rgb(crop)[None]
    onnx_logits = parser_runner(net, card, path, "onnx", threads=1)(x)
    assert onnx_logits.shape == (1, 11, 64, 64)  # the network's stride-4 grid
    onnx = probabilities(onnx_logits, (256, 256))
    torch_ = probabilities(parser_runner(net, card, path, "torch")(x), (256, 256))
    np.testing.assert_allclose(onnx, torch_, atol=1e-4)  # the stated tolerance
    assert (onnx.argmax(1) == torch_.argmax(1)).mean() > 0.9999
    exported = cached_onnx(net, card, path)
    assert exported.parent == tmp_path / "onnx" and exported.stat().st_mtime > 0
    mtime = exported.stat().st_mtime_ns
    assert cached_onnx(net, card, path).stat().st_mtime_ns == mtime  # not exported again
    with pytest.raises(UnknownNameError, match="unknown backend 'tpu'"):
        parser_runner(net, card, path, "tpu")


def test_both_backends_label_a_real_photo_alike():
    from faceparse.labels import CELEBAMASK_HQ

    photo = data.astronaut()
    onnx = FaceParser.load("default", backend="onnx", threads=1)(photo).labels
    torch_ = FaceParser.load("default", backend="torch")(photo).labels
    nose = CELEBAMASK_HQ.index("nose")
    assert (onnx == torch_).mean() > 0.9999 and (onnx == nose).sum() > 500  # a real nose


def test_the_torch_runner_sends_inputs_where_the_model_is():
    import torch
    from on_meta import OnMeta

    from faceparse.models.files import ParserCard

    card = ParserCard("student", "rgb", "lapa", 8)
    net = OnMeta(11)
    net.weight = torch.nn.Parameter(torch.zeros(1))  # starts on the CPU
    run = parser_runner(net, card, shipped("rgb_lapa.safetensors"), "torch", device="cpu")
    net.to("meta")  # moved after the runner was made: inputs must follow the model
    probs = probabilities(run(np.zeros((2, 3, 8, 8), np.float32)), (8, 8))
    assert probs.shape == (2, 11, 8, 8) and net.calls == 1
    assert probs[0, :, 0, 0] == pytest.approx(np.full(11, 1 / 11))


def test_devices_resolve_or_say_what_is_wrong():
    import torch

    from faceparse.errors import ConfigError
    from faceparse.models.runtime import resolve_backend, resolve_device

    assert resolve_device("cpu") == torch.device("cpu")
    assert resolve_device("auto").type == ("cuda" if torch.cuda.is_available() else "cpu")
    with pytest.raises(ConfigError, match="device is auto, cpu or cuda"):
        resolve_device("tpu")
    if not torch.cuda.is_available():
        with pytest.raises(ConfigError, match="no CUDA device"):
            resolve_device("cuda:1")
    assert resolve_backend("auto", torch.device("cpu")) == "onnx"
    assert resolve_backend("auto", torch.device("meta")) == "torch"
    with pytest.raises(ConfigError, match="runs on the CPU"):
        resolve_backend("onnx", torch.device("meta"))


def test_the_onnx_cache_falls_back_to_the_temporary_folder(tmp_path, monkeypatch):
    from faceparse.models.runtime import cache_dir

    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder would go")
    monkeypatch.delenv("FACEPARSE_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    assert cache_dir().name == "faceparse-cache"
    monkeypatch.setenv("FACEPARSE_CACHE_DIR", str(tmp_path / "mine"))
    assert cache_dir() == tmp_path / "mine"


def test_auto_runs_the_int8_copy_only_where_it_belongs_and_the_cpu_has_int8_dot_products(
    monkeypatch,
):
    import torch

    from faceparse.models import runtime
    from faceparse.parsing.catalog import DEFAULT_RGB, LAPA_RGB

    cpu = torch.device("cpu")
    default, lapa = shipped(DEFAULT_RGB), shipped(LAPA_RGB)
    # the shipped copy was made from the shipped file as it is now (its digest is recorded)
    assert runtime.int8_copy(default) == default.with_suffix(".int8.onnx")
    assert runtime.int8_copy(lapa) is None
    monkeypatch.setattr(runtime, "has_int8_dot_product", lambda: True)
    found = {f: runtime.int8_copy(f) is not None for f in (default, lapa)}
    assert runtime.resolve_backend("auto", cpu, found[default]) == "onnx-int8"
    assert runtime.resolve_backend("auto", cpu, found[lapa]) == "onnx"
    monkeypatch.setattr(runtime, "has_int8_dot_product", lambda: False)
    assert runtime.resolve_backend("auto", cpu, found[default]) == "onnx"
    assert runtime.resolve_backend("onnx-int8", cpu, found[default]) == "onnx-int8"  # asked for


def test_a_copy_made_from_another_version_of_the_parser_is_never_run(tmp_path):
    import shutil

    from faceparse.errors import ConfigError
    from faceparse.models.runtime import int8_copy
    from faceparse.parsing.catalog import DEFAULT_RGB

    parser_file = tmp_path / "mine.safetensors"
    shutil.copy(shipped("rgb_lapa.safetensors"), parser_file)
    src = shipped(DEFAULT_RGB).with_suffix(".int8.onnx")
    shutil.copy(src, tmp_path / "mine.int8.onnx")  # the default's copy: another parser
    shutil.copy(f"{src}.json", tmp_path / "mine.int8.onnx.json")
    assert int8_copy(parser_file) is None
    net, card = load_parser(parser_file)
    with pytest.raises(ConfigError, match="mine.safetensors: no int8 copy made from this file"):
        parser_runner(net, card, parser_file, "onnx-int8")


@pytest.mark.skipif(
    not has_int8_dot_product(),
    reason="int8 runs by default only on CPUs with an int8 dot product; this one has none",
)
def test_the_int8_copy_labels_a_face_like_fp32():
    from faceparse.labels import CELEBAMASK_HQ

    photo = data.astronaut()
    fp32 = FaceParser.load("default", backend="onnx", threads=1)(photo).labels
    int8 = FaceParser.load("default", backend="onnx-int8", threads=1)(photo).labels
    head = (fp32 > 0) | (int8 > 0)
    # class borders shift by a pixel here and there; the scores are the same (docs/guide/MODELS.md)
    assert (fp32 == int8)[head].mean() > 0.95
    for part in ("nose", "l_eye", "u_lip", "hair"):
        ids = CELEBAMASK_HQ.index(part)
        assert abs(int((int8 == ids).sum()) - int((fp32 == ids).sum())) < 0.1 * (fp32 == ids).sum()


def test_a_damaged_int8_copy_or_description_is_an_error_naming_the_file(tmp_path, monkeypatch):
    import json
    import shutil

    from faceparse.errors import ModelFileError
    from faceparse.models import runtime

    monkeypatch.setattr(runtime, "has_int8_dot_product", lambda: True)
    parser_file = tmp_path / "mine.safetensors"
    shutil.copy(shipped("rgb_lapa.safetensors"), parser_file)
    net, card = load_parser(parser_file)
    copy, meta = tmp_path / "mine.int8.onnx", tmp_path / "mine.int8.onnx.json"
    copy.write_bytes(b"not an onnx model")
    meta.write_text("{truncated")
    with pytest.raises(ModelFileError, match="mine.int8.onnx.json: not an int8 copy's description"):
        parser_runner(net, card, parser_file, "auto")
    meta.write_text(json.dumps({"source_sha256": runtime.file_digest(parser_file)}))
    with pytest.raises(ModelFileError, match="mine.int8.onnx: not a loadable ONNX model"):
        parser_runner(net, card, parser_file, "onnx-int8")
