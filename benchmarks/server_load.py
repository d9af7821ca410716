"""A small, bounded load test of `faceparse serve` on loopback: N requests of scikit-image's
512² astronaut to POST /parse at a few concurrency levels; requests/s and latency percentiles.
Prints the table and writes it into docs/results/SPEED.md (its own section, above `faceparse
bench`'s).

    .venv/bin/python benchmarks/server_load.py [--requests 40] [--concurrency 1 4]
"""

from __future__ import annotations

import argparse
import io
import socket
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import numpy as np
from PIL import Image
from skimage import data

from faceparse.imageio import write_text_atomic
from faceparse.jobs.reports import provenance

START, END = "<!-- server load test -->", "<!-- /server load test -->"
BENCH_MARKER = "<!-- table written by faceparse bench -->"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(url: str, seconds: float = 120) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            if httpx.get(url + "/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise RuntimeError("server did not come up")


def run_level(url: str, photo: bytes, requests: int, concurrency: int, outputs: str) -> dict:
    def one(_):
        t0 = time.perf_counter()
        r = httpx.post(
            url + "/parse",
            files={"image": ("a.png", photo, "image/png")},
            data={"outputs": outputs},
            timeout=120,
        )
        r.raise_for_status()
        return time.perf_counter() - t0

    t0 = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        latencies = list(pool.map(one, range(requests)))
    wall = time.perf_counter() - t0
    return {
        "rps": requests / wall,
        "p50": statistics.median(latencies),
        "p95": float(np.percentile(latencies, 95)),
    }


def write_section(path: Path, body: str) -> None:
    text = path.read_text() if path.is_file() else f"# Speed\n\n{BENCH_MARKER}\n"
    section = f"{START}\n{body}\n{END}"
    if START in text:
        text = text.split(START)[0] + section + text.split(END, 1)[1]
    elif BENCH_MARKER in text:
        head, tail = text.split(BENCH_MARKER, 1)
        text = f"{head}{section}\n\n{BENCH_MARKER}{tail}"
    else:
        text += f"\n{section}\n"
    write_text_atomic(path, text)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--requests", type=int, default=40)
    ap.add_argument("--concurrency", type=int, nargs="+", default=[1, 4])
    args = ap.parse_args()
    buf = io.BytesIO()
    Image.fromarray(data.astronaut()).save(buf, format="PNG")
    photo = buf.getvalue()
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [sys.executable, "-m", "faceparse", "serve", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    rows = []
    try:
        wait_healthy(url)
        run_level(url, photo, 2, 1, "")  # warm-up: the model loads on first use
        for outputs in ("", "labels,overlay"):
            for c in args.concurrency:
                r = run_level(url, photo, args.requests, c, outputs)
                rows.append((outputs or "JSON only", c, r))
                print(f"{outputs or 'JSON only'} c={c}: {r}", flush=True)
    finally:
        server.terminate()
        server.wait(30)
    lines = [
        "| response | concurrent clients | requests/s | p50 latency (s) | p95 latency (s) |",
        "|---|---|---|---|---|",
    ]
    for outputs, c, r in rows:
        lines.append(f"| {outputs} | {c} | {r['rps']:.1f} | {r['p50']:.3f} | {r['p95']:.3f} |")
    table = "\n".join(lines)
    print(table)
    body = (
        "## HTTP server (`faceparse serve`)\n\n"
        + provenance("benchmarks/server_load.py", sys.argv[1:])
        + f"{args.requests} POST /parse requests of the 512² astronaut per row, on loopback, "
        "default model, after a warm-up. Parsing runs one request at a time per model (the "
        "parser is not thread-safe); decoding uploads and encoding PNGs overlap with it, which "
        "is what more clients gain.\n\n"
        f"{table}"
    )
    write_section(Path("docs/results/SPEED.md"), body)


if __name__ == "__main__":
    main()
