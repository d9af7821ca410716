"""Tests of faceparse.jobs.depth."""

from __future__ import annotations

import numpy as np
import pytest
from paths import MODELS, needs_models


@needs_models
def test_depth_show_skips_a_broken_photo(fasseg_root, tmp_path):
    from PIL import Image
    from typer.testing import CliRunner

    from faceparse.cli import app
    from faceparse.datasets import open_dataset

    sample = open_dataset("fasseg", fasseg_root, "test")[0]
    Image.fromarray(sample.image).save(tmp_path / "good.png")
    (tmp_path / "bad.png").write_bytes(b"not a png")
    out = tmp_path / "show.png"
    args = [
        "depth",
        "show",
        str(tmp_path / "bad.png"),
        str(tmp_path / "good.png"),
        "-o",
        str(out),
        "--model-dir",
        str(MODELS),
    ]
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.output
    assert "skipped" in res.output and "bad.png" in res.output
    shown = np.asarray(Image.open(out))
    h, w = sample.image.shape[:2]
    tile_w = round(192 * w / h)  # one row, RGB | depth | overlay, each 192 px high
    assert shown.shape[0] == 20 + 192 and abs(shown.shape[1] - (3 * tile_w + 8)) <= 3


@needs_models
def test_depth_jobs_from_python(fasseg_root, tmp_path):
    from PIL import Image

    from faceparse.datasets import open_dataset, write_folder_dataset
    from faceparse.depth import DepthConfig
    from faceparse.errors import DataError
    from faceparse.jobs.depth import make_depth, write_depth_montage

    samples = [open_dataset("fasseg", fasseg_root, "test")[i] for i in range(2)]
    root = write_folder_dataset(tmp_path / "faces", {"test": samples})
    config = DepthConfig(backend="face", model_dir=str(MODELS))
    counts = make_depth("folder", root, tmp_path / "d", config)
    assert counts == {"ok": 2, "no_face": 0, "failed": 0, "kept": 0}
    depth = np.asarray(Image.open(tmp_path / "d" / "depth" / f"{samples[0].name}.png"))
    assert depth.shape == samples[0].image.shape[:2] and depth.max() > 0 and depth[0, 0] == 0
    Image.fromarray(samples[0].image).save(tmp_path / "one.png")
    assert write_depth_montage([tmp_path / "one.png"], tmp_path / "m.png", config) == []
    (tmp_path / "bad.png").write_bytes(b"nope")
    with pytest.raises(DataError, match="no readable photo"):
        write_depth_montage([tmp_path / "bad.png"], tmp_path / "m2.png", config)


def test_a_folder_made_before_a_new_setting_resumes_and_another_config_is_refused(tmp_path):
    import json

    from PIL import Image

    from faceparse.depth import DepthConfig
    from faceparse.errors import ConfigError
    from faceparse.jobs.depth import make_depth

    (tmp_path / "in" / "images").mkdir(parents=True)
    Image.fromarray(np.full((64, 64, 3), 90, np.uint8)).save(tmp_path / "in" / "images" / "a.png")
    out = tmp_path / "out"

    def made(config):
        counts = make_depth("folder", tmp_path / "in", out, config, ["all"])
        return {k: v for k, v in counts.items() if v}

    assert made(DepthConfig()) == {"no_face": 1}
    # as a folder made before `fit` existed recorded it
    recorded = json.loads((out / "config.json").read_text())
    for added in ("fit", "fit_model"):
        del recorded[added]
    (out / "config.json").write_text(json.dumps(recorded))
    assert made(DepthConfig()) == {"kept": 1}
    with pytest.raises(ConfigError, match="another configuration"):
        made(DepthConfig(fit="robust"))
