import json

import numpy as np
from layouts import write_lapa
from PIL import Image
from typer.testing import CliRunner

from faceparse.cli import app
from faceparse.datasets.check import check_dataset

runner = CliRunner()


def _break(root, labels):
    names = sorted(labels)
    (root / "train" / "labels" / f"{names[0]}.png").unlink()  # missing label
    (root / "train" / "images" / f"{names[1]}.jpg").write_bytes(b"not a jpeg")  # unreadable
    bad = labels[names[2]].copy()
    bad[:2, :2] = 42
    Image.fromarray(bad).save(root / "train" / "labels" / f"{names[2]}.png")  # bad ids
    Image.fromarray(np.zeros((8, 8, 3), np.uint8)).save(
        root / "train" / "images" / f"{names[3]}.jpg"
    )
    return names


def test_check_reports_every_problem_and_goes_on(tmp_path):
    labels = write_lapa(tmp_path, {"train": 6, "test": 2})
    names = _break(tmp_path, {k: v for k, v in labels.items() if k.startswith("train")})
    report = check_dataset("lapa", tmp_path)
    by_split = {s.split: s for s in report.splits}
    assert by_split["train"].count == 6 and by_split["train"].ok == 2
    assert by_split["test"].healthy and by_split["val"].index_error
    kinds = {(p.name, p.kind) for p in by_split["train"].problems}
    assert kinds == {
        (names[0], "missing"),
        (names[1], "unreadable"),
        (names[2], "label_ids"),
        (names[3], "size_mismatch"),
    }
    assert not report.healthy
    assert by_split["test"].class_pixels.sum() == 2 * 64 * 64


def test_check_cli_exit_codes_and_json(tmp_path):
    labels = write_lapa(tmp_path, {"train": 4})
    ok = runner.invoke(app, ["data", "check", str(tmp_path), "-d", "lapa", "-s", "train"])
    assert ok.exit_code == 0, ok.output
    _break(tmp_path, labels)
    out = tmp_path / "report.json"
    res = runner.invoke(
        app, ["data", "check", str(tmp_path), "-d", "lapa", "-s", "train", "--json", str(out)]
    )
    assert res.exit_code == 1
    data = json.loads(out.read_text())
    assert data["healthy"] is False and len(data["splits"][0]["problems"]) == 4


def test_show_writes_montage_and_skips_broken(tmp_path):
    labels = write_lapa(tmp_path, {"train": 5})
    _break(tmp_path, labels)
    out = tmp_path / "m.png"
    res = runner.invoke(
        app, ["data", "show", str(tmp_path), "-d", "lapa", "--out", str(out), "-n", "3"]
    )
    assert res.exit_code == 0, res.output
    m = np.asarray(Image.open(out))
    assert m.shape[0] > 192 and m.shape[2] == 3
    assert "skipped" in res.output


def test_demo_runs_end_to_end(tmp_path):
    res = runner.invoke(app, ["data", "demo", "--out", str(tmp_path), "--count", "4"])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "montage.png").is_file()
    assert len(list((tmp_path / "dataset" / "depth").glob("*.png"))) == 4


def test_bad_option_is_a_usage_error(tmp_path):
    res = runner.invoke(app, ["data", "check", str(tmp_path), "-d", "nope"])
    assert res.exit_code == 2 and "unknown dataset" in res.output
