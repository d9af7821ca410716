"""The photo pipeline end to end, the code as it is against a checkout of an earlier commit
("before"), interleaved in one run on the same machine, with ratios:

* marginal seconds per 512² photo through `faceparse parse` (detect, parse, labels + overlay
  written), over a fixed reference timed in the same rounds: a plain-torch ResNet-18 forward at
  256², batch 1, one thread;
* a batch of Celeb1k photos with the defaults, quiet and beside a busy process (a numpy matmul
  loop on every core);
* one 4096² photo: seconds and the process's peak memory;
* `faceparse --help`;
* `faceparse serve` with 4 clients (JSON + label and overlay PNGs): requests/s and p95.

    git worktree add /tmp/faceparse-before cdec261   # the commit to compare against
    .venv/bin/python benchmarks/pipeline_speed.py --before /tmp/faceparse-before [--rounds 3]

Every contender runs as its own process (`PYTHONPATH=<checkout>/src` for "before"), with the
same photos. Prints the table and writes docs/results/PIPELINE_SPEED.md.
"""

from __future__ import annotations

import argparse
import datetime
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image
from server_load import free_port, run_level, wait_healthy
from skimage import data

from faceparse.jobs.reports import write_section
from faceparse.jobs.speed import machine_line

ROOT = Path(__file__).resolve().parents[1]
MARKER = "# Photo pipeline: measured"

REFERENCE = """
import statistics, time, torch
from faceparse.models.resnet import resnet18
torch.set_num_threads(1)
net = resnet18().eval()
x = torch.randn(1, 3, 256, 256)
times = []
with torch.inference_mode():
    for i in range(25):
        t = time.perf_counter(); net(x); times.append(time.perf_counter() - t)
print(statistics.median(times[5:]))
"""

BIG_PHOTO = """
import json, re, sys, time
from pathlib import Path
from faceparse.parsing import FaceParser
from faceparse.imageio import write_png_atomic
parser = FaceParser.default()
parser(sys.argv[1])  # warm-up on the same photo: first calls build graphs and caches
start = time.perf_counter()
result = parser(sys.argv[1])
write_png_atomic(Path(sys.argv[2]) / "big.labels.png", result.labels)
write_png_atomic(Path(sys.argv[2]) / "big.overlay.png", result.overlay())
seconds = time.perf_counter() - start
peak = int(re.search(r"VmHWM:\\s+(\\d+)", Path("/proc/self/status").read_text()).group(1))
print(json.dumps({"seconds": seconds, "peak_mb": peak // 1024, "faces": len(result.faces)}))
"""

BUSY = "import numpy as np\na = np.random.rand(1200, 1200)\nwhile True:\n    a @ a\n"


def speed_change(before: float, now: float) -> str:
    """Seconds before and now as a ratio in words: "6.2× faster", "1.9× slower"."""
    return f"{before / now:.1f}× faster" if now <= before else f"{now / before:.1f}× slower"


def env_for(checkout: Path | None) -> dict:
    env = dict(os.environ)
    if checkout is not None:
        env["PYTHONPATH"] = str(checkout / "src")
    return env


def faceparse(args: list[str], checkout: Path | None) -> float:
    """Wall seconds of one `faceparse` command."""
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "faceparse", *args],
        env=env_for(checkout),
        check=False,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return time.perf_counter() - start


def python(code: str, checkout: Path | None, *argv: str) -> str:
    out = subprocess.run(
        [sys.executable, "-c", code, *argv],
        env=env_for(checkout),
        check=True,
        capture_output=True,
        text=True,
    )
    return out.stdout.strip().splitlines()[-1]


def marginal_per_photo(photos: list[Path], checkout: Path | None, work: Path) -> float:
    """(T(N photos) - T(1 photo)) / (N - 1): the cost of one more photo, start-up excluded."""
    one = faceparse(["parse", str(photos[0]), "-o", str(work / "one"), "--overwrite"], checkout)
    many = faceparse(
        ["parse", *map(str, photos), "-o", str(work / "many"), "--overwrite"], checkout
    )
    return (many - one) / (len(photos) - 1)


def server_rps(checkout: Path | None, extra: list[str]) -> dict:
    buf = io.BytesIO()
    Image.fromarray(data.astronaut()).save(buf, format="PNG")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [sys.executable, "-m", "faceparse", "serve", "--port", str(port), *extra],
        env=env_for(checkout),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_healthy(url)
        run_level(url, buf.getvalue(), 4, 2, "")  # warm-up: the models load on first use
        return run_level(url, buf.getvalue(), 40, 4, "labels,overlay")
    finally:
        server.terminate()
        server.wait(30)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--before", type=Path, required=True, help="checkout of the earlier commit")
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--photos", type=int, default=20, help="photos per marginal-time run")
    ap.add_argument("--batch", type=int, default=40, help="photos in the quiet/busy batch")
    args = ap.parse_args()
    before_commit = subprocess.run(
        ["git", "-C", str(args.before), "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
    ).stdout.strip()
    contenders = {f"before ({before_commit})": args.before, "now": None}
    celeb = sorted((args.shared / "data" / "celeb1k" / "val" / "images").glob("*.jpg"))
    photos, batch = celeb[: args.photos], celeb[: args.batch]
    results: dict[str, dict[str, list]] = {
        name: {k: [] for k in ("marginal", "ratio", "quiet", "busy", "help")} for name in contenders
    }
    reference: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        big = work / "big.jpg"  # photos this large come from cameras, as JPEG
        Image.fromarray(data.astronaut()).resize((4096, 4096), Image.BICUBIC).save(big, quality=90)
        for checkout in contenders.values():  # warm caches (ONNX export, page cache)
            faceparse(["parse", str(photos[0]), "-o", str(work / "warm")], checkout)
        for r in range(args.rounds):
            ref = float(python(REFERENCE, None))
            reference.append(ref)
            for name, checkout in contenders.items():
                res = results[name]
                m = marginal_per_photo(photos, checkout, work / name.split()[0])
                res["marginal"].append(m)
                res["ratio"].append(m / ref)
                res["help"].append(faceparse(["--help"], checkout))
                batch_args = ["parse", *map(str, batch), "--overwrite", "-o"]
                res["quiet"].append(faceparse([*batch_args, str(work / "q")], checkout))
                busy = subprocess.Popen([sys.executable, "-c", BUSY])
                try:
                    time.sleep(1)
                    res["busy"].append(faceparse([*batch_args, str(work / "b")], checkout))
                finally:
                    busy.kill()
                    busy.wait()
                print(
                    f"round {r + 1} {name}: " + json.dumps({k: v[-1] for k, v in res.items()}),
                    flush=True,
                )
        big_rows = {
            name: json.loads(python(BIG_PHOTO, checkout, str(big), str(work)))
            for name, checkout in contenders.items()
        }
    servers = {name: server_rps(checkout, []) for name, checkout in contenders.items()}
    servers["now, --workers 2"] = server_rps(None, ["--workers", "2"])

    med = {n: {k: statistics.median(v) for k, v in res.items()} for n, res in results.items()}
    names = list(contenders)
    b, n = med[names[0]], med[names[1]]
    big_b, big_n = big_rows[names[0]], big_rows["now"]
    ref = statistics.median(reference)
    lines = [
        f"| measure | {names[0]} | now | now vs before |",
        "|---|---|---|---|",
        f"| reference: ResNet-18 forward, 256², 1 thread (s) | {ref:.4f} | {ref:.4f} | same run |",
        f"| marginal s per 512² photo through the CLI | {b['marginal']:.3f} | {n['marginal']:.3f} "
        f"| {speed_change(b['marginal'], n['marginal'])} |",
        f"| ... as a multiple of the reference | {b['ratio']:.2f}× | {n['ratio']:.2f}× | |",
        f"| {args.batch} photos, quiet machine (s) | {b['quiet']:.1f} | {n['quiet']:.1f} "
        f"| {b['quiet'] / n['quiet']:.1f}× the throughput |",
        f"| {args.batch} photos beside a busy process (s) | {b['busy']:.1f} | {n['busy']:.1f} "
        f"| {b['busy'] / n['busy']:.1f}× the throughput |",
        f"| one 4096² JPEG, parse + PNGs written (s) | {big_b['seconds']:.2f} | "
        f"{big_n['seconds']:.2f} | {speed_change(big_b['seconds'], big_n['seconds'])} |",
        f"| ... peak memory of the process (MB) | {big_b['peak_mb']} | {big_n['peak_mb']} | |",
        f"| `faceparse --help` (s) | {b['help']:.2f} | {n['help']:.2f} | "
        f"{speed_change(b['help'], n['help'])} |",
    ]
    for name, r in servers.items():
        lines.append(
            f"| server, 4 clients, JSON + 2 PNGs: {name} | req/s {r['rps']:.1f}, p95 "
            f"{r['p95']:.3f} s | | |"
        )
    table = "\n".join(lines)
    print(table)
    body = (
        f"Command: `.venv/bin/python benchmarks/pipeline_speed.py --before <checkout of "
        f"{before_commit}> --rounds {args.rounds} --photos {args.photos} --batch {args.batch}`  \n"
        f"Machine: {machine_line()}  \nDate: {datetime.date.today()}  \n"
        f"Medians of {args.rounds} interleaved rounds (each contender, then the other, in every "
        "round; the reference forward is timed in each round). Photos: Celeb1k val, 512². "
        "Each contender runs with its own defaults (backend, threads, detection, views). The busy "
        "process is a numpy matmul loop on all cores. Server rows: 40 requests after a warm-up, "
        "one run each.\n\n"
        f"{table}"
    )
    write_section(ROOT / "docs" / "results" / "PIPELINE_SPEED.md", MARKER, body, title=MARKER)


if __name__ == "__main__":
    main()
