"""Tests of faceparse.datasets.check."""

from __future__ import annotations

from layouts import break_samples, write_lapa
from typer.testing import CliRunner

from faceparse.datasets.check import check_dataset

runner = CliRunner()


def test_check_reports_every_problem_and_goes_on(tmp_path):
    labels = write_lapa(tmp_path, {"train": 6, "test": 2})
    names = break_samples(tmp_path, {k: v for k, v in labels.items() if k.startswith("train")})
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
