"""Tests of faceparse.integrations.ray on a local Ray instance (2 CPUs)."""

from __future__ import annotations

import functools
import json
from pathlib import Path

import numpy as np
import pytest
from paths import REPO
from PIL import Image
from skimage import data

ray = pytest.importorskip("ray", reason="Ray is not installed (pip install 'faceparse[ray]')")

from faceparse.integrations.ray import (  # noqa: E402
    DIED_TWICE,
    ONE_THREAD,
    RayEngine,
    dataset_of_paths,
    parse_dataset,
)
from faceparse.jobs.parse import ParseJobOptions, run_parse_job  # noqa: E402
from faceparse.parsing import FaceParser, ParseOptions  # noqa: E402

ENGINE = RayEngine(actors=2, batch_size=2)


@pytest.fixture(scope="module", autouse=True)
def local_ray():
    path = [str(REPO / "tests" / "helpers"), str(REPO / "src")]
    env = {**ONE_THREAD, "PYTHONPATH": ":".join(path)}
    ray.init(
        num_cpus=2,
        runtime_env={"env_vars": env},
        include_dashboard=False,
        log_to_driver=False,
        configure_logging=False,
    )
    yield
    ray.shutdown()


def _default():
    return functools.partial(FaceParser.load, "default", threads=1, options=ParseOptions())


@pytest.fixture(scope="module")
def photos(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("photos")
    for i, crop in enumerate((slice(0, 400), slice(60, 512), slice(30, 470))):
        face = np.ascontiguousarray(data.astronaut()[crop, crop])
        Image.fromarray(face).save(folder / f"{i}.png")
    (folder / "bad.png").write_bytes(b"nope")
    return folder


def test_same_files_and_report_as_local_workers_and_it_resumes(photos, tmp_path):
    local = run_parse_job(_default(), [str(photos)], ParseJobOptions(tmp_path / "l"), workers=2)
    on_ray = run_parse_job(
        _default(), [str(photos)], ParseJobOptions(tmp_path / "r"), engine=ENGINE
    )
    assert on_ray == local and on_ray["counts"] == {"ok": 3, "failed": 1}
    assert on_ray["exit_code"] == 3
    files = sorted(p.name for p in (tmp_path / "l").iterdir())
    assert files == sorted(p.name for p in (tmp_path / "r").iterdir())
    for name in files:
        if name != "report.json":
            assert (tmp_path / "l" / name).read_bytes() == (tmp_path / "r" / name).read_bytes()
    again = run_parse_job(_default(), [str(photos)], ParseJobOptions(tmp_path / "r"), engine=ENGINE)
    assert again["counts"] == {"done_before": 3, "failed": 1}


def _folder(tmp_path: Path, names: list[str]) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    for i, name in enumerate(names):
        Image.fromarray(np.full((32, 32, 3), 30 * i, np.uint8)).save(folder / name)
    return folder


def test_an_input_that_kills_its_actor_twice_fails_alone(tmp_path):
    from ray_parsers import DiesOn

    names = ["a.png", "b.png", "crash.png", "c.png", "d.png", "e.png"]
    folder = _folder(tmp_path, names)
    report = run_parse_job(
        functools.partial(DiesOn, "crash"),
        [str(folder)],
        ParseJobOptions(tmp_path / "out"),
        engine=ENGINE,
    )
    by_name = {Path(e["input"]).name: e for e in report["inputs"]}
    assert [Path(e["input"]).name for e in report["inputs"]] == sorted(names)  # input order
    assert by_name["crash.png"]["status"] == "failed"
    assert DIED_TWICE in by_name["crash.png"]["reason"]
    assert all(by_name[n]["status"] == "ok" for n in names if n != "crash.png")
    assert report["exit_code"] == 3


def test_an_actor_lost_once_costs_nothing(tmp_path):
    from ray_parsers import DiesOn

    folder = _folder(tmp_path, ["a.png", "preempted.png", "b.png"])
    make = functools.partial(DiesOn, "preempted", str(tmp_path / "died-once"))
    report = run_parse_job(make, [str(folder)], ParseJobOptions(tmp_path / "out"), engine=ENGINE)
    assert report["counts"] == {"ok": 3} and report["exit_code"] == 0
    assert (tmp_path / "died-once").is_file()  # it did die


def test_the_hostile_corpus_through_ray_reports_as_the_local_batch(corpus, tmp_path):
    # A stand-in crop parser on whole images: every file is read and decoded as in a real
    # job (where the hostile cases bite), without the detector's time.
    from ray_parsers import whole_image_parser

    folder, cases = corpus
    local = run_parse_job(whole_image_parser(), [str(folder)], ParseJobOptions(tmp_path / "l"))
    on_ray = run_parse_job(
        whole_image_parser, [str(folder)], ParseJobOptions(tmp_path / "r"), engine=ENGINE
    )
    assert on_ray == local
    assert {Path(e["input"]).name for e in on_ray["inputs"]} == {c.name for c in cases}
    assert sum(e["status"] == "failed" for e in on_ray["inputs"]) >= 15


def test_parse_dataset_returns_labels_and_summaries(photos):
    from ray_parsers import whole_image_parser

    paths = sorted(str(p) for p in photos.iterdir())
    parsed = parse_dataset(dataset_of_paths(paths), whole_image_parser, actors=2, batch_size=2)
    rows = parsed.take_all()
    by_name = {Path(r["input"]).name: r for r in rows}
    assert by_name["bad.png"]["status"] == "failed" and "bad.png" in by_name["bad.png"]["reason"]
    ok = by_name["0.png"]
    assert ok["status"] == "ok" and json.loads(ok["summary"])["faces"]
    import cv2

    labels = cv2.imdecode(np.frombuffer(ok["labels_png"], np.uint8), cv2.IMREAD_UNCHANGED)
    assert labels.shape == (400, 400) and labels.max() > 0
