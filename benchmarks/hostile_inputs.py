"""The hostile-input corpus (tests/helpers/hostile_corpus.py) through the parse job with the shipped
parser at default limits: per file, what the job made of it, the reason, the time and the peak
resident memory of the process while that file was parsed.

    .venv/bin/python benchmarks/hostile_inputs.py [--json FILE] [--no-docs]

The peak is the kernel's high-water mark (VmHWM), reset before each file through
/proc/self/clear_refs, so each row is that file's own peak, model and libraries included.
Prints the table and writes docs/results/HOSTILE_INPUTS.md; tests/jobs/test_parse.py runs
it with --json and checks every peak against the 2 GB budget.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "helpers"))

from hostile_corpus import write_corpus  # noqa: E402

from faceparse.imageio import write_text_atomic  # noqa: E402
from faceparse.jobs.parse import ParseJobOptions, parse_input  # noqa: E402
from faceparse.jobs.reports import provenance  # noqa: E402
from faceparse.parsing import FaceParser  # noqa: E402

COMMAND = ".venv/bin/python benchmarks/hostile_inputs.py"
BUDGET_MB = 2048


def peak_mb() -> int:
    status = Path("/proc/self/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+)", status).group(1)) // 1024


def reset_peak() -> None:
    Path("/proc/self/clear_refs").write_text("5")


def measure(folder: Path, out: Path) -> tuple[list[dict], int]:
    cases = write_corpus(folder)
    parser = FaceParser.default()
    loaded = peak_mb()
    options = ParseJobOptions(out, overwrite=True)
    rows = []
    for case in cases:
        reset_peak()
        start = time.perf_counter()
        entry = parse_input(parser, folder / case.name, Path(case.name).stem, options, False)
        rows.append(
            {
                "file": case.name,
                "size_bytes": (folder / case.name).lstat().st_size,
                "expected": case.expect,
                "status": entry["status"],
                "reason": entry.get("reason", ""),
                "seconds": round(time.perf_counter() - start, 3),
                "peak_mb": peak_mb(),
            }
        )
    return rows, loaded


def table(rows: list[dict], loaded: int) -> str:
    lines = [
        f"Process after loading the shipped parser: {loaded} MB. Budget per file: {BUDGET_MB} MB.",
        "",
        "| file | bytes | status | peak MB | s | reason |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        reason = r["reason"].split(": ", 1)[-1]
        lines.append(
            f"| {r['file']} | {r['size_bytes']} | {r['status']} | {r['peak_mb']} | "
            f"{r['seconds']:.2f} | {reason} |"
        )
    worst = max(rows, key=lambda r: r["peak_mb"])
    lines += ["", f"Highest peak: {worst['peak_mb']} MB ({worst['file']})."]
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--json", type=Path, help="also write the rows as JSON here")
    ap.add_argument("--no-docs", action="store_true", help="do not write docs/results/")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        rows, loaded = measure(Path(tmp) / "corpus", Path(tmp) / "out")
    body = table(rows, loaded)
    print(body)
    if args.json:
        args.json.write_text(json.dumps({"loaded_mb": loaded, "rows": rows}, indent=2))
    if not args.no_docs:
        write_text_atomic(
            ROOT / "docs" / "results" / "HOSTILE_INPUTS.md",
            "# Hostile inputs: what the parse job makes of each, and its memory\n\n"
            + provenance("benchmarks/hostile_inputs.py", sys.argv[1:])
            + f"\n{body}\n",
        )


if __name__ == "__main__":
    main()
