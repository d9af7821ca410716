"""Fit a logit offset for the eye classes of a parser to FASSEG's hand-drawn eyes, on FASSEG's
train split (V2 train and the V3 persons not held out; never V2 test): for each offset in the
grid, the parser with that offset added to its classifier's eye biases runs end to end through
`FaceParser` (detection, crops, paste-back), and mean F1 and eye F1 over FASSEG's 6 classes
are summed over the split. The offset with the best mean F1 is kept; `--write FILE` saves the
parser with it.

    .venv/bin/python benchmarks/fit_class_bias.py [--shared ../shared] [--parser FILE]
        [--write FILE]

Prints the table and writes docs/results/CLASS_BIAS.md.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from default_models import fasseg_scores

from faceparse.datasets import open_dataset
from faceparse.datasets.fasseg import HELD_OUT_PERSONS, held_out
from faceparse.jobs.reports import publish, table_head
from faceparse.models.files import offset_class_logits, shipped
from faceparse.parsing import FaceParser
from faceparse.parsing.catalog import DEFAULT_RGB

EYES = ("l_eye", "r_eye")
GRID = (-1.0, -0.75, -0.5, -0.25, 0.0, 0.25)


def train_split(fasseg: Path) -> list:
    ds = open_dataset("fasseg", fasseg, "train", subsets=("V2", "V3"))
    return [ds[i] for i, record in enumerate(ds.records) if not held_out(record.name)]


def scores(path: Path, samples) -> tuple[float, float]:
    parser = FaceParser.load(path, space="fasseg")
    r = fasseg_scores(parser, samples, False, None)
    parser.close()
    return r["mean_f1"], r["f1"]["eyes"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--shared", type=Path, default=Path("../shared"))
    ap.add_argument("--parser", type=Path, default=shipped(DEFAULT_RGB))
    ap.add_argument("--write", type=Path, help="save the parser with the best offset here")
    ap.add_argument("--work", type=Path, default=Path("runs/class-bias"))
    args = ap.parse_args()
    os.environ.setdefault("FACEPARSE_MODEL_DIR", str(args.shared / "models"))
    samples = train_split(args.shared / "data" / "fasseg")
    args.work.mkdir(parents=True, exist_ok=True)
    results = {}
    for offset in GRID:
        path = offset_class_logits(
            args.parser, EYES, offset, args.work / f"offset{offset:+.2f}.safetensors"
        )
        results[offset] = scores(path, samples)
        print(f"offset {offset:+.2f}: mean F1 {results[offset][0]:.4f}", flush=True)
    best = max(results, key=lambda o: results[o][0])
    lines = table_head("eye logit offset", "mean F1", "eyes F1")
    for offset, (mean_f1, eyes) in results.items():
        mark = " (best)" if offset == best else ""
        lines.append(f"| {offset:+.2f}{mark} | {mean_f1:.4f} | {eyes:.4f} |")
    if args.write:
        offset_class_logits(args.parser, EYES, best, args.write)
    publish(
        Path("docs/results/CLASS_BIAS.md"),
        "# Eye logit offset: fitted",
        "\n".join(lines),
        "benchmarks/fit_class_bias.py",
        sys.argv[1:],
        f"{len(samples)} FASSEG train photos (V2 train + V3 but {', '.join(HELD_OUT_PERSONS)}), "
        f"parser {args.parser}; scores over FASSEG's 6 classes, with detection.",
    )


if __name__ == "__main__":
    main()
