"""Whole-head parsing by yaw: does the view around each detected face keep the whole head?

On FASSEG V3's held-out persons (`faceparse.datasets.fasseg.HELD_OUT_PERSONS`, all 13 yaws)
and FASSEG V2 test, each parser runs twice, end to end through `FaceParser`:

* with detection (what `faceparse parse photo.jpg` does), and
* with `--no-detect` (the photo is taken as the face crop; FASSEG photos are head shots).

Scores are dataset-level over the FASSEG classes (predictions mapped LaPa -> FASSEG) by yaw
bucket: mean F1, pixel accuracy, and the share of true hair + skin pixels labelled background
(a head cut by the view shows there first).

    .venv/bin/python benchmarks/whole_head.py [--shared ../shared] [--model default] \
        [--views] [--before CHECKOUT] [--rounds 5]

`--views` adds a table of the ways of framing a face that were tried, with detection, on the
same photos: the FFHQ crop as it was, the crop centred towards the ears, that crop zoomed out,
and the shipped crop with context views.

`--before` also times a 512² photo end to end (decode to labels, one process, one thread) with
the default parser of an earlier checkout (`git worktree add /tmp/before <commit>`) against the
code as it is: each in its own process, taking turns, median seconds per photo of each round,
and their ratio.

Prints the table and writes docs/results/WHOLE_HEAD.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from faceparse import evaluate
from faceparse.datasets import open_dataset
from faceparse.datasets.fasseg import HELD_OUT_PERSONS, held_out, v3_yaw
from faceparse.jobs.reports import publish, table_head
from faceparse.labels import FASSEG
from faceparse.parsing import FaceParser, ParseOptions

TIMING = """
import statistics, sys, time
from skimage import data
from faceparse.parsing import FaceParser
from faceparse.parsing import ParseOptions
options = {}
if sys.argv[1:] == ["no-context"]:
    options["options"] = ParseOptions(context_zoom=1.0)
if sys.argv[1:] == ["half-context"]:
    options["options"] = ParseOptions(context_scale=0.5)
if sys.argv[1:] == ["fp32"]:
    options["backend"] = "onnx"
if sys.argv[1:2] == ["detector"]:  # one MediaPipe model alone: 0 short-range, 1 full-range
    import mediapipe as mp
    timed = mp.solutions.face_detection.FaceDetection(model_selection=int(sys.argv[2])).process
else:
    timed = FaceParser.load("default", threads=1, **options)
photo = data.astronaut()
for _ in range(3):
    timed(photo)
times = []
for _ in range(30):
    start = time.perf_counter()
    timed(photo)
    times.append(time.perf_counter() - start)
print(statistics.median(times))
"""

BUCKETS = {"V2 test (frontal)": None, "0–15°": (0, 15), "30–60°": (30, 60), "75–90°": (75, 90)}
HEAD = [FASSEG.index("hair"), FASSEG.index("skin")]


def bucket_of(name: str) -> str:
    if not name.startswith("V3/"):
        return "V2 test (frontal)"
    yaw = abs(v3_yaw(name))
    return next(b for b, r in BUCKETS.items() if r and r[0] <= yaw <= r[1])


def head_row(report) -> dict:
    """A report's mean F1, accuracy, per-class F1 and the share of true hair and skin pixels
    called background."""
    conf = report.confusion
    return {
        "mean_f1": report.scores.mean_f1,
        "accuracy": report.scores.pixel_accuracy,
        "head_lost": conf[HEAD, 0].sum() / max(conf[HEAD].sum(), 1),
        "f1": dict(zip(FASSEG.classes, report.scores.per_class_f1, strict=True)),
    }


def by_bucket(photos: list) -> dict[str, list]:
    return {b: [s for name, s in photos if bucket_of(name) == b] for b in BUCKETS}


def samples(fasseg: Path):
    v2 = open_dataset("fasseg", fasseg, "test")
    v3 = open_dataset("fasseg", fasseg, "train", subsets=("V3",))
    for ds in (v2, v3):
        for i, record in enumerate(ds.records):
            if record.name.startswith("V3/") and not held_out(record.name):
                continue
            yield record.name, ds[i]


VIEWS = {
    "FFHQ crop, centred below the eyes (before)": ParseOptions(head_shift=0, context_zoom=1),
    "centred towards the ears": ParseOptions(context_zoom=1),
    "centred towards the ears, zoom 1.1": ParseOptions(context_zoom=1, zoom=1.1),
    "centred towards the ears, zoom 1.2": ParseOptions(context_zoom=1, zoom=1.2),
    "centred towards the ears + context views at full size": ParseOptions(context_scale=1.0),
    "centred towards the ears + context views at 7/8 size (shipped)": ParseOptions(),
    "centred towards the ears + context views at 1/2 size": ParseOptions(context_scale=0.5),
}


def view_lines(model: str, photos: list) -> list[str]:
    lines = [
        "",
        "Ways of framing a face, with detection (mean F1 / hair+skin called background / eyes F1):",
        "",
        *table_head("view", *BUCKETS),
    ]
    for name, options in VIEWS.items():
        parser = FaceParser.load(model, space="fasseg", options=options)
        rows = [head_row(evaluate(parser, group, FASSEG)) for group in by_bucket(photos).values()]
        cells = [
            f"{r['mean_f1']:.3f} / {100 * r['head_lost']:.1f}% / {r['f1']['eyes']:.3f}"
            for r in rows
        ]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
        parser.close()
    return lines


def seconds_per_photo(checkout: Path | None, *argv: str) -> float:
    env = dict(os.environ)
    if checkout is not None:
        env["PYTHONPATH"] = str(checkout / "src")
    out = subprocess.run(
        [sys.executable, "-c", TIMING, *argv], env=env, check=True, capture_output=True, text=True
    )
    return float(out.stdout.strip().splitlines()[-1])


def timing_lines(before: Path, rounds: int) -> list[str]:
    commit = subprocess.run(
        ["git", "-C", str(before), "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    runs: dict[str, list[float]] = {
        "before": [],
        "now": [],
        "no context": [],
        "half": [],
        "fp32": [],
        "short-range": [],
        "full-range": [],
    }
    for _ in range(rounds):
        runs["before"].append(seconds_per_photo(before))
        runs["now"].append(seconds_per_photo(None))
        runs["no context"].append(seconds_per_photo(None, "no-context"))
        runs["half"].append(seconds_per_photo(None, "half-context"))
        runs["fp32"].append(seconds_per_photo(None, "fp32"))
        runs["short-range"].append(seconds_per_photo(None, "detector", "0"))
        runs["full-range"].append(seconds_per_photo(None, "detector", "1"))
    b, n, nc, half, fp32, short, full = (statistics.median(runs[k]) for k in runs)
    return [
        "",
        f"End to end, 512² photo (scikit-image's astronaut), default parser, one thread: before "
        f"({commit}) {1000 * b:.1f} ms, now {1000 * n:.1f} ms: **{n / b:.2f}×**; now without "
        f"context views (`--no-context`) {1000 * nc:.1f} ms ({nc / b:.2f}×: the rest is the "
        "second detector and the crop's other centre); with context views at 1/2 size "
        f"{1000 * half:.1f} ms ({half / b:.2f}×); now on fp32 (`--backend onnx`, where "
        f"`auto` runs the int8 copy) {1000 * fp32:.1f} ms ({fp32 / b:.2f}×). MediaPipe's "
        f"detectors alone on the same photo: short-range {1000 * short:.1f} ms, full-range "
        f"{1000 * full:.1f} ms ({full / b:.2f}× the time before; before ran the short-range one "
        "only, as it found a face). Median of "
        f"{rounds} rounds, each the median of 30 calls; the seven took turns.",
    ]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--shared", type=Path, default=Path("../shared"))
    ap.add_argument("--model", default="default", help="default, landmarks or a parser file")
    ap.add_argument("--views", action="store_true", help="also compare ways of framing a face")
    ap.add_argument("--before", type=Path, help="checkout of an earlier commit to time against")
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    os.environ.setdefault("FACEPARSE_MODEL_DIR", str(args.shared / "models"))
    parsers = {
        "detect": FaceParser.load(args.model, space="fasseg"),
        "no-detect": FaceParser.load(
            args.model, space="fasseg", options=ParseOptions(detect=False)
        ),
    }
    t0 = time.perf_counter()
    photos = list(samples(args.shared / "data" / "fasseg"))
    groups = by_bucket(photos)
    scores = {
        (mode, b): head_row(evaluate(parser, group, FASSEG))
        for mode, parser in parsers.items()
        for b, group in groups.items()
    }
    counts = {b: len(group) for b, group in groups.items()}
    print(f"{len(photos)} photos in {time.perf_counter() - t0:.0f} s", flush=True)
    lines = table_head(
        "photos",
        "n",
        "mean F1 detect / no-detect",
        "gap",
        "pixel acc. detect / no-detect",
        "hair+skin called background, detect / no-detect",
    )
    rows = {}
    for b, n in counts.items():
        d, nd = scores["detect", b], scores["no-detect", b]
        rows[b] = {"detect": d, "no-detect": nd, "photos": n}
        lines.append(
            f"| {b} | {n} | {d['mean_f1']:.3f} / {nd['mean_f1']:.3f} "
            f"| {d['mean_f1'] - nd['mean_f1']:+.4f} "
            f"| {100 * d['accuracy']:.1f}% / {100 * nd['accuracy']:.1f}% "
            f"| {100 * d['head_lost']:.1f}% / {100 * nd['head_lost']:.1f}% |"
        )
    classes = FASSEG.classes
    lines += ["", "Per-class F1 with detection:", ""]
    lines += table_head("photos", *classes)
    for b, r in rows.items():
        lines.append(
            f"| {b} | " + " | ".join(f"{r['detect']['f1'][c]:.3f}" for c in classes) + " |"
        )
    if args.views:
        lines += view_lines(args.model, photos)
    if args.before is not None:
        lines += timing_lines(args.before, args.rounds)
    publish(
        Path("docs/results/WHOLE_HEAD.md"),
        f"# Whole-head parsing: measured ({args.model})",
        "\n".join(lines),
        "benchmarks/whole_head.py",
        sys.argv[1:],
        f"Held-out FASSEG V3 persons: {', '.join(HELD_OUT_PERSONS)}.",
    )


if __name__ == "__main__":
    main()
