"""Parsing on Ray against the local batch (issue #30), interleaved in one run, with ratios:

* throughput on the same 200 photos (Celeb1k train, 512²): `faceparse parse --workers 2`
  against `--engine ray --actors 2`, each as its own CLI process, alternating, `--rounds` times;
  photos/s counted between a 2-photo job and the 200-photo job of the same engine, so start-up
  is not in it;
* start-up: the 2-photo job's wall time per engine (Ray's own start, actors loading the parser);
* the driver's peak memory (its own RSS, not the actors') with 200 and with 20,000 inputs
  (tiny generated 32×32 images without a face), Ray engine.

    .venv/bin/python benchmarks/scale_out.py [--rounds 3]

Pause any background job first (benchmarks/core_claim_grid.py pause). Writes
docs/results/SCALE_OUT.md and figures/scale_out.png.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

from faceparse.imageio import write_text_atomic
from faceparse.jobs.reports import provenance, table_head

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("FACEPARSE_SHARED") or ROOT.parent / "shared").resolve()
PAGE = ROOT / "docs" / "results" / "SCALE_OUT.md"
FIGURE = ROOT / "docs" / "results" / "figures" / "scale_out.png"
ENGINES = {"local --workers 2": ["--workers", "2"], "ray --actors 2": ["--engine", "ray"]}

# The driver's own peak RSS, from inside it: Ray's processes are not its memory.
DRIVER = """
import functools, json, resource, sys, time
from pathlib import Path
from faceparse.integrations.ray import RayEngine
from faceparse.jobs.parse import ParseJobOptions, run_parse_job
from faceparse.parsing import FaceParser, ParseOptions
make = functools.partial(FaceParser.load, "default", threads=1, options=ParseOptions())
t = time.perf_counter()
report = run_parse_job(make, [sys.argv[1]], ParseJobOptions(Path(sys.argv[2])),
                       engine=RayEngine(actors=2, batch_size=2))
print(json.dumps({"seconds": time.perf_counter() - t, "counts": report["counts"],
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def cli_job(inputs: Path, engine: list[str]) -> float:
    with tempfile.TemporaryDirectory() as out:
        t = time.perf_counter()
        subprocess.run(
            [str(ROOT / ".venv" / "bin" / "faceparse"), "parse", str(inputs), "-o", out, *engine],
            check=True,
            capture_output=True,
        )
        return time.perf_counter() - t


def linked(photos: list[Path], folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for p in photos:
        (folder / p.name).symlink_to(p)
    return folder


def driver_memory(n: int, tmp: Path) -> dict:
    folder = tmp / f"tiny{n}"
    folder.mkdir()
    rng = np.random.default_rng(0)
    for i in range(n):
        Image.fromarray(rng.integers(0, 255, (32, 32, 3), np.uint8)).save(folder / f"{i:05d}.png")
    out = subprocess.run(
        [sys.executable, "-c", DRIVER, str(folder), str(tmp / f"out{n}")],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--large", type=int, default=20000)
    args = ap.parse_args()
    photos = sorted((SHARED / "data" / "celeb1k" / "train" / "images").iterdir())[:200]
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        full, small = linked(photos, tmp / "p200"), linked(photos[:2], tmp / "p2")
        times = {name: {"200": [], "2": []} for name in ENGINES}
        for r in range(args.rounds):
            for name, engine in ENGINES.items():  # alternating, so drift hits both alike
                times[name]["2"].append(cli_job(small, engine))
                times[name]["200"].append(cli_job(full, engine))
                print(r, name, times[name]["2"][-1], times[name]["200"][-1], flush=True)
        memory = {n: driver_memory(n, tmp) for n in (200, args.large)}
    rate = {
        name: statistics.median(198 / (a - b) for a, b in zip(t["200"], t["2"], strict=True))
        for name, t in times.items()
    }
    local, ray = rate["local --workers 2"], rate["ray --actors 2"]
    lines = [
        "# Parsing on Ray against the local batch (issue #30)",
        "",
        provenance("benchmarks/scale_out.py", sys.argv[1:]),
        f"200 Celeb1k train photos (512²), default parser, `--backend auto`; {args.rounds} "
        "rounds, engines alternating; every job a fresh `faceparse parse` process with a fresh "
        "output folder. Photos/s: 198 / (wall time of the 200-photo job − that of a 2-photo "
        "job of the same engine and round), median over rounds. Start-up: the 2-photo job's "
        "wall time (process start, model load; for Ray also starting Ray and its actors).",
        "",
        *table_head("engine", "photos/s", "vs local", "200-photo job (s)", "start-up (s)"),
    ]
    for name, t in times.items():
        lines.append(
            f"| `{name}` | {rate[name]:.2f} | {rate[name] / local:.2f}× "
            f"| {statistics.median(t['200']):.1f} | {statistics.median(t['2']):.1f} |"
        )
    lines += [
        "",
        f"**Ray throughput is {ray / local:.2f}× the local batch's** (target ≥ 0.9×).",
        "",
        "Driver memory (`--engine ray`, the driver process's own peak RSS; tiny 32×32 images "
        "without faces, so the job is mostly scheduling):",
        "",
        *table_head("inputs", "driver peak RSS (MB)", "job (s)", "counts"),
    ]
    for n, m in memory.items():
        lines.append(f"| {n:,} | {m['peak_mb']:.0f} | {m['seconds']:.0f} | {m['counts']} |")
    growth = memory[args.large]["peak_mb"] - memory[200]["peak_mb"]
    lines += [
        "",
        f"From 200 to {args.large:,} inputs the driver grows by {growth:.0f} MB.",
        "",
        "![photos/s and start-up](figures/scale_out.png)",
        "",
    ]
    _figure(times, rate)
    write_text_atomic(PAGE, "\n".join(lines))
    print("\n".join(lines))


def _figure(times, rate) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(times)
    fig, axes = plt.subplots(1, 2, figsize=(8, 3))
    axes[0].bar(names, [rate[n] for n in names], color=["#888", "#3a7"])
    axes[0].set_title("photos/s (200 photos, 2 cores)")
    axes[1].bar(names, [statistics.median(times[n]["2"]) for n in names], color=["#888", "#3a7"])
    axes[1].set_title("start-up: a 2-photo job (s)")
    fig.tight_layout()
    FIGURE.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(FIGURE, dpi=110)


if __name__ == "__main__":
    main()
