"""Tests of faceparse.jobs.parse."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
from paths import ROOT
from PIL import Image
from skimage import data
from stand_ins import CentreDisc

from faceparse.jobs.parse import ParseJobOptions, run_parse_job
from faceparse.parsing import FaceParser, ParseOptions


def test_the_corpus_covers_the_issue(corpus):
    _, cases = corpus
    assert len(cases) >= 30
    assert sum(c.expect == "failed" for c in cases) >= 15


def test_batch_finishes_on_the_whole_corpus_and_reports_every_bad_file(
    corpus, default_parser, tmp_path
):
    folder, cases = corpus
    report = run_parse_job(default_parser, [str(folder)], ParseJobOptions(tmp_path))
    assert json.loads((tmp_path / "report.json").read_text()) == report
    by_name = {Path(e["input"]).name: e for e in report["inputs"]}
    assert set(by_name) == {c.name for c in cases}  # the .gif and the broken link included
    for case in cases:
        entry = by_name[case.name]
        if case.expect == "failed":
            assert entry["status"] == "failed", case.name
            assert case.reason in entry["reason"], (case.name, entry["reason"])
            assert case.name in entry["reason"]  # named as given, links too
            assert "<" not in entry["reason"]  # no Python reprs
        else:
            assert entry["status"] == ("ok" if case.face else entry["status"]), case.name
            assert entry["status"] in ("ok", "no_face"), (case.name, entry)
    assert report["exit_code"] == 3  # some failed
    # A rerun resumes: parsed inputs are done, failed ones are tried again and fail again.
    again = run_parse_job(default_parser, [str(folder)], ParseJobOptions(tmp_path))
    statuses = {e["status"] for e in again["inputs"]}
    assert statuses == {"done_before", "failed"}


def test_peak_memory_stays_under_2_gb_for_every_corpus_file(tmp_path):
    out = tmp_path / "rows.json"
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "hostile_inputs.py"),
            "--json",
            str(out),
            "--no-docs",
        ],
        check=True,
        capture_output=True,
    )
    rows = json.loads(out.read_text())["rows"]
    assert len(rows) >= 30
    worst = max(rows, key=lambda r: r["peak_mb"])
    assert worst["peak_mb"] < 2048, worst
    # the largest photo the default limit lets in was really decoded and parsed
    big = next(r for r in rows if r["file"] == "big_7200x5400.png")
    assert big["status"] == "no_face" and big["peak_mb"] > 800


def test_video_overlays_get_the_usual_file_mode(tmp_path):
    import cv2

    video = tmp_path / "clip.mp4"
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*"mp4v"), 5, (64, 48))
    for _ in range(3):
        writer.write(np.zeros((48, 64, 3), np.uint8))
    writer.release()
    from stand_ins import CentreDisc

    from faceparse.parsing import ParseOptions

    parser = FaceParser(CentreDisc(), ParseOptions(detect=False))
    report = run_parse_job(parser, [str(video)], ParseJobOptions(tmp_path / "out"))
    assert report["counts"] == {"ok": 1}
    umask = os.umask(0)
    os.umask(umask)
    mode = (tmp_path / "out" / "clip.overlay.mp4").stat().st_mode & 0o777
    assert mode == 0o666 & ~umask == (tmp_path / "out" / "clip.json").stat().st_mode & 0o777


def test_parse_job_records_bad_inputs_goes_on_and_resumes(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    face = data.astronaut()
    Image.fromarray(face).save(src / "astro.jpg")
    (src / "corrupt.jpg").write_bytes(b"not a jpeg")
    (src / "empty.png").write_bytes(b"")
    (src / "broken.mp4").write_bytes(b"xxxx")
    upright = Image.fromarray(np.rot90(face).copy())  # stored turned left; EXIF 6: turn right
    exif = upright.getexif()
    exif[0x0112] = 6
    upright.save(src / "exif.jpg", exif=exif)
    writer = cv2.VideoWriter(str(src / "clip.mp4"), cv2.VideoWriter_fourcc(*"mp4v"), 5, (128, 128))
    for _ in range(3):
        writer.write(np.zeros((128, 128, 3), np.uint8))
    writer.release()
    parser = FaceParser(CentreDisc(), ParseOptions(detect=False))
    options = ParseJobOptions(tmp_path / "out", masks=True)
    report = run_parse_job(parser, [str(src), str(tmp_path / "missing.png")], options)
    status = {e["input"].split("/")[-1]: e["status"] for e in report["inputs"]}
    assert "empty file" in [e for e in report["inputs"] if "empty" in e["input"]][0]["reason"]
    assert status == {
        "missing.png": "failed",
        "astro.jpg": "ok",
        "broken.mp4": "failed",
        "clip.mp4": "ok",
        "corrupt.jpg": "failed",
        "empty.png": "failed",
        "exif.jpg": "ok",
    }
    out = tmp_path / "out"
    labels = np.asarray(Image.open(out / "astro.labels.png"))
    assert labels.shape == (512, 512) and labels[256, 256] == 6
    assert (out / "astro.masks" / "nose.png").is_file() and (out / "astro.overlay.png").is_file()
    overlay = np.asarray(Image.open(out / "exif.overlay.png")).astype(int)
    upright_pixels = overlay[labels == 0] - face[labels == 0]  # background keeps the photo
    assert np.abs(upright_pixels).mean() < 8  # EXIF applied: the overlay is the upright photo
    video = json.loads((out / "clip.json").read_text())
    assert video["frames_parsed"] == 3 and (out / "clip.overlay.mp4").stat().st_size > 0
    assert json.loads((out / "report.json").read_text())["counts"]["failed"] == 4
    again = run_parse_job(parser, [str(src)], options)
    assert again["counts"] == {"done_before": 3, "failed": 3}


def test_video_frames_out_as_label_pngs(tmp_path):
    writer = cv2.VideoWriter(str(tmp_path / "v.mp4"), cv2.VideoWriter_fourcc(*"mp4v"), 5, (64, 64))
    for _ in range(4):
        writer.write(np.zeros((64, 64, 3), np.uint8))
    writer.release()
    parser = FaceParser(CentreDisc(), ParseOptions(detect=False))
    options = ParseJobOptions(tmp_path / "out", frames=True, frame_step=2)
    report = run_parse_job(parser, [str(tmp_path / "v.mp4")], options)
    assert report["counts"] == {"ok": 1}
    frames = sorted((tmp_path / "out" / "v.frames").iterdir())
    assert [f.name for f in frames] == ["000000.png", "000002.png"]  # every 2nd of 4 frames
    assert np.asarray(Image.open(frames[0]))[32, 32] == 6


def test_a_video_damaged_in_the_middle_says_how_many_frames_it_lost_and_keeps_frame_times(
    tmp_path,
):
    rng = np.random.default_rng(0)
    path = tmp_path / "v.mp4"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 10, (64, 64))
    for _ in range(40):
        writer.write(rng.integers(0, 255, (64, 64, 3), np.uint8))
    writer.release()
    parser = FaceParser(CentreDisc(), ParseOptions(detect=False))
    whole = run_parse_job(parser, [str(path)], ParseJobOptions(tmp_path / "whole"))
    summary = json.loads((tmp_path / "whole" / "v.json").read_text())
    assert whole["counts"] == {"ok": 1} and summary["notes"] == []
    assert summary["frames_read"] == summary["frames_expected"] == 40
    assert [f["t_ms"] for f in summary["frames"][:3]] == [0.0, 100.0, 200.0]
    data_ = bytearray(path.read_bytes())
    third = len(data_) // 3
    data_[third : 2 * third] = bytes(third)  # the middle third zeroed
    path.write_bytes(bytes(data_))
    run_parse_job(parser, [str(path)], ParseJobOptions(tmp_path / "damaged"))
    damaged = json.loads((tmp_path / "damaged" / "v.json").read_text())
    assert damaged["frames_expected"] == 40 and damaged["frames_read"] < 40
    assert "damaged or cut short" in damaged["notes"][0]


def test_workers_spread_the_inputs_and_give_the_same_outputs(tmp_path):
    import functools

    from faceparse.parsing import FaceParser, ParseOptions

    photos = tmp_path / "in"
    photos.mkdir()
    for i, crop in enumerate((slice(0, 400), slice(60, 512), slice(30, 470))):
        Image.fromarray(np.ascontiguousarray(data.astronaut()[crop, crop])).save(
            photos / f"{i}.png"
        )
    (photos / "bad.png").write_bytes(b"nope")
    make = functools.partial(FaceParser.load, "default", threads=1, options=ParseOptions())
    one = run_parse_job(make(), [str(photos)], ParseJobOptions(tmp_path / "one"))
    two = run_parse_job(make, [str(photos)], ParseJobOptions(tmp_path / "two"), workers=2)
    assert [e["status"] for e in two["inputs"]] == [e["status"] for e in one["inputs"]]
    assert two["counts"] == {"ok": 3, "failed": 1} and two["exit_code"] == 3
    for i in range(3):
        a = np.asarray(Image.open(tmp_path / "one" / f"{i}.labels.png"))
        b = np.asarray(Image.open(tmp_path / "two" / f"{i}.labels.png"))
        np.testing.assert_array_equal(a, b)


def test_an_interrupted_batch_still_reports_what_it_finished(tmp_path):
    photos = tmp_path / "in"
    photos.mkdir()
    for i in range(3):
        Image.fromarray(np.full((32, 32, 3), 40 * i, np.uint8)).save(photos / f"{i}.png")
    parser = FaceParser(CentreDisc(), ParseOptions(detect=False))

    def stop_at_third(name):
        if name == "2.png":
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_parse_job(parser, [str(photos)], ParseJobOptions(tmp_path / "out"), stop_at_third)
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert [e["output"] for e in report["inputs"]] == ["0", "1"]
    assert (tmp_path / "out" / "1.json").is_file() and not (tmp_path / "out" / "2.json").exists()


def test_output_stems_are_unique_however_the_inputs_are_named():
    from faceparse.jobs.parse import output_stems

    paths = [Path(p) for p in ("x/a.png", "x/a.jpg", "y/a_png.jpg", "y/b.png", "z/b.png")]
    stems = output_stems(paths)
    assert len(set(stems.values())) == len(paths)
    assert stems[Path("x/a.png")] == "a_png" and stems[Path("y/a_png.jpg")] == "a_png_jpg"
    assert stems[Path("y/b.png")] == "y_b_png"


def test_an_input_named_report_never_meets_the_jobs_report(tmp_path):
    from faceparse.jobs.parse import ParseJobOptions, output_stems, run_parse_job

    assert output_stems([Path("in/report.png")]) == {Path("in/report.png"): "report_png"}
    photos = tmp_path / "in"
    photos.mkdir()
    Image.fromarray(data.astronaut()).save(photos / "report.png")
    out = tmp_path / "out"
    options = ParseJobOptions(out)
    first = run_parse_job(FaceParser.load("default"), [str(photos)], options)
    assert first["inputs"][0]["status"] == "ok" and first["inputs"][0]["output"] == "report_png"
    assert json.loads((out / "report_png.json").read_text())["num_faces"] == 1
    again = run_parse_job(FaceParser.load("default"), [str(photos)], options)
    assert again["inputs"][0]["status"] == "done_before"  # its own summary, not the report


def test_a_killed_runs_temporary_files_are_removed_by_the_next_run(tmp_path):
    from faceparse.jobs.parse import ParseJobOptions, run_parse_job

    out = tmp_path / "out"
    (out / "a.masks").mkdir(parents=True)
    for left in (out / ".a.labels.png.x1y2.tmp", out / "a.masks" / ".skin.png.z3.tmp"):
        left.write_bytes(b"half a png")
    (out / "keep.tmp").write_bytes(b"not ours: no leading dot")
    photo = tmp_path / "p.png"
    Image.fromarray(data.astronaut()).save(photo)
    report = run_parse_job(FaceParser.load("default"), [str(photo)], ParseJobOptions(out))
    assert report["temporaries_removed"] == 2 and report["inputs"][0]["status"] == "ok"
    assert sorted(p.name for p in out.rglob("*.tmp")) == ["keep.tmp"]


def test_a_folder_that_cannot_be_listed_is_one_failed_entry_and_the_rest_go_on(
    tmp_path, monkeypatch
):
    from faceparse.jobs.parse import collect_inputs

    locked, good = tmp_path / "locked", tmp_path / "good"
    locked.mkdir()
    good.mkdir()
    Image.fromarray(data.astronaut()).save(good / "a.png")
    real_iterdir = Path.iterdir

    def iterdir(self):  # the tests run as root, who can list anything: refuse by hand
        if self == locked:
            raise PermissionError(13, "Permission denied")
        return real_iterdir(self)

    monkeypatch.setattr(Path, "iterdir", iterdir)
    paths, failed = collect_inputs([str(locked), str(good)])
    assert paths == [good / "a.png"]
    assert failed == [
        {
            "input": str(locked),
            "status": "failed",
            "reason": "cannot list the folder (Permission denied)",
        }
    ]
