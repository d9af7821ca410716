"""The side at which each face's crop is parsed (`ParseOptions.input_size`, `--input-size`):
the shipped parser end to end through `FaceParser` at several sides, chosen on training data,
reported on data never trained on.

* Chosen on: FASSEG's train split (V2 train and the V3 persons not held out; mean F1 over its 6
  classes) and every third Celeb1k train photo (hair F1). The parser learnt from both, so they
  choose the side, they do not measure it.
* Each side also with `--flip` (each crop parsed mirrored too, the two averaged): the two
  accuracy options together.
* Reported on: FASSEG V2 test (mean F1, eyes F1), Celeb1k val (hair F1, hair precision on its
  photos with headwear), and the time per 512² photo (scikit-image's astronaut, one thread,
  sides taking turns in each round).

    .venv/bin/python benchmarks/input_size.py [--shared ../shared] [--sizes 256 288 320 352]

Prints the table and writes docs/results/INPUT_SIZE.md.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from default_models import fasseg_scores, hair_scores, seconds_per_photo
from fit_class_bias import train_split

from faceparse.datasets import open_dataset
from faceparse.jobs.reports import publish, table_head
from faceparse.parsing import FaceParser, ParseOptions


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--shared", type=Path, default=Path("../shared"))
    ap.add_argument("--sizes", type=int, nargs="+", default=[256, 288, 320, 352])
    ap.add_argument("--repeats", type=int, default=15)
    args = ap.parse_args()
    os.environ.setdefault("FACEPARSE_MODEL_DIR", str(args.shared / "models"))
    fasseg, celeb1k = args.shared / "data" / "fasseg", args.shared / "data" / "celeb1k"
    test = open_dataset("fasseg", fasseg, "test")
    test_samples = [test[i] for i in range(len(test))]
    train_samples = train_split(fasseg)

    rows = [
        (
            f"{size}²" + (", `--flip`" if flip else ""),
            FaceParser.load(
                "default",
                space="fasseg",
                threads=1,
                options=ParseOptions(input_size=size, flip=flip),
            ),
            None,
        )
        for flip in (False, True)
        for size in args.sizes
    ]
    results = {}
    for name, parser, _ in rows:
        train = fasseg_scores(parser, train_samples, False, None)
        test_scores = fasseg_scores(parser, test_samples, False, None)
        results[name] = {
            "train": train["mean_f1"],
            "train_hair": hair_scores(parser, celeb1k, None, "train", every=3)["f1"],
            "test": test_scores["mean_f1"],
            "test_eyes": test_scores["f1"]["eyes"],
            "val": hair_scores(parser, celeb1k, None),
        }
        print(name, results[name], flush=True)
    seconds = seconds_per_photo(rows, args.repeats)
    base = seconds[rows[0][0]]
    lines = table_head(
        "input side",
        "FASSEG train mean F1 (chooses)",
        "Celeb1k train hair F1 (chooses)",
        "FASSEG V2 test mean F1",
        "eyes F1",
        "Celeb1k val hair F1",
        "hair precision, headwear",
        "s / 512² photo",
        f"× {rows[0][0]}",
    )
    for name, r in results.items():
        lines.append(
            f"| {name} | {r['train']:.4f} | {r['train_hair']:.4f} | {r['test']:.4f} "
            f"| {r['test_eyes']:.3f} | {r['val']['f1']:.4f} | {r['val']['headwear_precision']:.3f} "
            f"| {seconds[name]:.4f} | {seconds[name] / base:.2f} |"
        )
    publish(
        Path("docs/results/INPUT_SIZE.md"),
        "# Input side: measured",
        "\n".join(lines),
        "benchmarks/input_size.py",
        sys.argv[1:],
        f"Default parser (`--backend auto`), detection on. FASSEG train: {len(train_samples)} "
        f"photos; test: {len(test_samples)}. Speed: median of {args.repeats} rounds, one "
        "thread, the sides taking turns within each round.",
    )


if __name__ == "__main__":
    main()
