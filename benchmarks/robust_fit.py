"""The occlusion-resistant face fit (issue #29): train the distilled face mesh, then measure every
fit on occluded copies of clean photos against the clean photo's MediaPipe fit.

    python benchmarks/robust_fit.py train      # ~50 min on one core; resumes; cache folder
    python benchmarks/robust_fit.py measure    # docs/results/ROBUST_FIT.md + figures
    python benchmarks/robust_fit.py page       # the page again from the cached measurements

Training photos: Celeb1k train, FASSEG V2 train and V3 train. Check photos (never trained on):
Celeb1k val and FASSEG V2 test. The cache folder is $FACEPARSE_FIT_CACHE, else
~/.cache/faceparse-fit: the teacher's landmarks, checkpoints, the exported ONNX files. The
measurements go to docs/results/robust_fit/ (committed), from which `page` rebuilds the page.

Check set: each check photo whose clean copy MediaPipe fits gets COPIES occluded copies, 1–3
occluders each (`faceparse.datasets.face_occluders`), covering 10–50% of the face outline; the
target of a copy is its clean photo's MediaPipe mesh and head-fit depth (metric, 1 mm/level).

Rule for the default fit, written before the first measurement: `fused` (or else `robust`)
becomes `DepthConfig`'s default if, on the occluded copies, its 2D NME and its depth L1 are at
most half of MediaPipe's and it fails on no copy where the detector finds a face, and on the
clean photos its NME is at most MediaPipe's NME against itself under a flip and its FASSEG face
IoU median stays >= 0.80. Otherwise MediaPipe stays the default and the others are opt-in.
The student ships in the package (opt-in or default) if `fused` or `robust` beats MediaPipe on
the occluded copies in NME, depth L1 and failures at once; else it is not shipped. It ships as
int8 if that costs at most 5% of its fp32 NME on the occluded copies, else
the fp32 file if it is <= 10 MB, else not at all.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
from pathlib import Path

import cv2
import numpy as np

from faceparse.imageio import write_png_atomic, write_text_atomic
from faceparse.jobs.reports import provenance, table_head

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("FACEPARSE_SHARED") or ROOT.parent / "shared").resolve()
CACHE = Path(os.environ.get("FACEPARSE_FIT_CACHE") or Path.home() / ".cache" / "faceparse-fit")
TRAIN_FOLDERS = ("celeb1k/train/images", "fasseg/V2/Train_RGB", "fasseg/V3/Train_RGB")
CHECK_FOLDERS = ("celeb1k/val/images", "fasseg/V2/Test_RGB")


def photos(folders) -> list[Path]:
    from faceparse.imageio import list_images

    found = []
    for folder in folders:
        root = SHARED / "data" / folder
        found += sorted(
            p
            for sub in [root, *sorted(d for d in root.rglob("*") if d.is_dir())]
            for p in list_images(sub)
        )
    return found


def train(args) -> None:
    import torch

    from faceparse.training.landmark_distill import (
        LandmarkDistillConfig,
        export_landmark_student,
        prepare_teacher,
        train_landmark_student,
    )

    torch.set_num_threads(getattr(args, "threads", 1))
    check = {p.resolve() for p in photos(CHECK_FOLDERS)}
    train_photos = [p for p in photos(TRAIN_FOLDERS) if p.resolve() not in check]
    teacher = prepare_teacher(train_photos, CACHE)
    print(
        f"{len(teacher.paths)} of {len(train_photos)} training photos have a teacher fit",
        flush=True,
    )
    last = CACHE / "student" / "last.pt"
    if args.command == "train":
        config = LandmarkDistillConfig(steps=args.steps)
        train_landmark_student(teacher, config, last.parent, log=lambda s: print(s, flush=True))
    out = export_landmark_student(last, CACHE / "robust_face_mesh.onnx", teacher)
    print(f"wrote {out} and its int8 copy", flush=True)


COPIES = 2
CHECK_SEED = 29
FITS = ("mediapipe", "robust", "fused")
SHARE_BINS = ((0.10, 0.20), (0.20, 0.35), (0.35, 0.50))
# Measurements, committed so the page can be rebuilt anywhere (checkpoints stay in CACHE).
MEASURED = ROOT / "docs" / "results" / "robust_fit"
RESULTS = MEASURED / "measurements.json"
PAGE = ROOT / "docs" / "results" / "ROBUST_FIT.md"
FIGURES = ROOT / "docs" / "results" / "figures"


def check_copy(image, points, index: int, copy: int):
    """Occluded copy `copy` of check photo `index` (the same in every subcommand)."""
    from faceparse.datasets.face_occluders import occlude_face

    rng = np.random.default_rng([CHECK_SEED, index, copy])
    return occlude_face(image, points, rng, share_range=(0.10, 0.50))


def _flipped_mesh(mesh, image, mirror):
    found = mesh(np.ascontiguousarray(image[:, ::-1]))
    if found is None:
        return None
    points = found.points[mirror].copy()
    points[:, 0] = image.shape[1] - 1 - points[:, 0]
    return points


def measure(args) -> None:
    from faceparse.depth import DepthConfig, DepthRenderer
    from faceparse.depth.mesh_files import CanonicalFace, model_dir
    from faceparse.depth.quality import depth_difference, iou
    from faceparse.face.landmarks import FaceLandmarks
    from faceparse.face.robust_landmarks import fuse_landmarks
    from faceparse.imageio import read_rgb
    from faceparse.metrics.landmarks import landmark_nme

    renderer = DepthRenderer(
        DepthConfig(fit="fused", fit_model=str(args.model), normalization="metric")
    )
    mirror = CanonicalFace.load(model_dir(None)).mirror_ids()

    def fits(image):
        """Each fit's (468, 3) points on one image, None where it finds no face."""
        mp, rb = renderer.detector(image), renderer.robust(image)
        out = {"mediapipe": mp and mp.points, "robust": rb and rb.points}
        out["fused"] = fuse_landmarks(mp.points, rb.points) if mp and rb else out["robust"]
        return out

    def depth_of(image, points):
        return renderer.render(image, None if points is None else FaceLandmarks(points, 1))[0]

    records, worst = [], []
    fasseg_faces = _fasseg_faces()
    for index, path in enumerate(photos(CHECK_FOLDERS)[: args.limit]):
        image = read_rgb(path)
        clean = fits(image)
        target = clean["mediapipe"]
        if target is None:
            records.append({"photo": str(path.relative_to(SHARED)), "clean_fit": False})
            continue
        clean_depth = depth_of(image, target)
        rec = {"photo": str(path.relative_to(SHARED)), "clean_fit": True, "clean": {}}
        flipped = _flipped_mesh(renderer.detector, image, mirror)
        rec["clean"]["mediapipe_flip"] = None if flipped is None else landmark_nme(flipped, target)
        for fit in FITS[1:]:
            p = clean[fit]
            rec["clean"][fit] = None if p is None else landmark_nme(p, target)
        if path.resolve() in fasseg_faces:
            face = fasseg_faces[path.resolve()]
            rec["clean"]["face_iou"] = {}
            for fit in FITS:
                fg = depth_of(image, clean[fit]) > 0 if clean[fit] is not None else None
                rec["clean"]["face_iou"][fit] = None if fg is None else iou(fg, face)
        rec["copies"] = []
        for copy in range(COPIES):
            occluded = check_copy(image, target, index, copy)
            got = fits(occluded.image)
            row = {
                "kinds": occluded.kinds,
                "share": occluded.share,
                "detected": bool(renderer.robust.detector(occluded.image)),
            }
            for fit, p in got.items():
                if p is None:
                    row[fit] = None
                    continue
                l1, rmse, fg_iou = depth_difference(depth_of(occluded.image, p), clean_depth)
                row[fit] = {
                    "nme2d": landmark_nme(p, target),
                    "nme3d": landmark_nme(p, target, three_d=True),
                    "depth_l1": l1,
                    "depth_rmse": rmse,
                    "depth_iou": fg_iou,
                }
            rec["copies"].append(row)
            mp_nme = row["mediapipe"]["nme2d"] if row["mediapipe"] else np.inf
            worst.append((mp_nme, len(records), copy, occluded, got, clean_depth, image))
            worst = sorted(worst, key=lambda w: -w[0])[: args.worst]
        records.append(rec)
        print(f"{index + 1} {path.name}", flush=True)
    _save(RESULTS, {"model": str(args.model), "records": records})
    _worst_montage(worst, depth_of)
    write_page()


def _command() -> str:
    return shlex.join([".venv/bin/python", "benchmarks/robust_fit.py", *sys.argv[1:]])


def _save(path: Path, data: dict) -> None:
    """A measurement and the command that made it (each page section names its own)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(path, json.dumps({"command": _command(), **data}, indent=1))


def _fasseg_faces() -> dict[Path, np.ndarray]:
    """FASSEG V2 test photo -> its labelled face (skin, eyes, nose, mouth), as DEPTH.md's bar."""
    from faceparse.datasets import open_dataset
    from faceparse.labels import FASSEG

    ds = open_dataset("fasseg", SHARED / "data" / "fasseg", "test")
    face = [FASSEG.index(c) for c in ("skin", "eyes", "nose", "mouth")]
    return {Path(r.image).resolve(): np.isin(ds[i].label, face) for i, r in enumerate(ds.records)}


def _in_bin(share: float, bin_: tuple[float, float]) -> bool:
    lo, hi = bin_
    return lo <= share < hi or (hi == SHARE_BINS[-1][1] and share == hi)


def _drawn(image, points, colour):
    out = image.copy()
    if points is not None:
        for x, y in np.round(points[:, :2]).astype(int):
            cv2.circle(out, (int(x), int(y)), 2, colour, -1)
    return out


def _worst_montage(worst, depth_of) -> None:
    from faceparse.visualize import depth_to_rgb, montage

    rows = []
    for nme, _, _, occluded, got, clean_depth, image in worst:
        tiles = [_drawn(image, None, (0, 0)), depth_to_rgb(clean_depth)]
        for fit, colour in (("mediapipe", (255, 40, 40)), ("fused", (40, 255, 40))):
            tiles.append(_drawn(occluded.image, got[fit], colour))
            tiles.append(depth_to_rgb(depth_of(occluded.image, got[fit])))
        rows.append(
            (
                f"{'+'.join(occluded.kinds)}, {occluded.share:.0%} covered; MediaPipe "
                + (f"NME {nme:.3f}" if np.isfinite(nme) else "finds no face")
                + ": clean | clean depth | MediaPipe | its depth | fused | its depth",
                tiles,
            )
        )
    write_png_atomic(FIGURES / "robust_fit_worst.png", montage(rows, tile_height=160))


def _change(new: dict, old: dict, key: str) -> str:
    return f"{100 * (new[key] / old[key] - 1):+.0f}%"


def _mean(values) -> float:
    values = [v for v in values if v is not None and np.isfinite(v)]
    return float(np.mean(values)) if values else float("nan")


def _summary(copies, fit) -> dict:
    found = [c[fit] for c in copies if c[fit] is not None]
    detected = [c for c in copies if c["detected"]]
    return {
        "n": len(copies),
        "nme2d": _mean(f["nme2d"] for f in found),
        "nme3d": _mean(f["nme3d"] for f in found),
        "depth_l1": _mean(f["depth_l1"] for f in found),
        "depth_rmse": _mean(f["depth_rmse"] for f in found),
        "depth_iou": _mean(f["depth_iou"] for f in found),
        "fail": sum(c[fit] is None for c in copies) / max(len(copies), 1),
        "fail_detected": sum(c[fit] is None for c in detected) / max(len(detected), 1),
    }


def write_page() -> None:
    data = json.loads(RESULTS.read_text())
    recs = [r for r in data["records"] if r["clean_fit"]]
    copies = [c for r in recs for c in r["copies"]]
    overall = {fit: _summary(copies, fit) for fit in FITS}
    lines = [
        "# Results: an occlusion-resistant face fit for the depth builder (issue #29)",
        "",
        provenance("benchmarks/robust_fit.py", shlex.split(data["command"])[2:]),
        f"Check set: {len(data['records'])} photos (Celeb1k val, FASSEG V2 test), "
        f"{len(recs)} with a clean MediaPipe fit, {COPIES} occluded copies each "
        f"({len(copies)} copies). Model: `{Path(data['model']).name}`. Landmark NME: mean "
        "point distance over the clean fit's outer-eye-corner distance; depth: head backend, "
        "metric 1 mm per grey level, so L1 and RMSE are in millimetres, over the pixels both "
        "maps cover (IoU: of the two foregrounds).",
        "",
        "## Occluded copies",
        "",
        *table_head(
            "fit",
            "NME 2D",
            "NME 3D",
            "depth L1 (mm)",
            "depth RMSE (mm)",
            "depth IoU",
            "no mesh",
            "no mesh where a face is detected",
        ),
    ]
    for fit in FITS:
        s = overall[fit]
        lines.append(
            f"| `{fit}` | {s['nme2d']:.4f} | {s['nme3d']:.4f} | {s['depth_l1']:.2f} "
            f"| {s['depth_rmse']:.2f} | {s['depth_iou']:.3f} | {s['fail']:.1%} "
            f"| {s['fail_detected']:.1%} |"
        )
    f, m = overall["fused"], overall["mediapipe"]
    lines += [
        "",
        f"`fused` against MediaPipe on the occluded copies: NME {_change(f, m, 'nme2d')}, "
        f"depth L1 {_change(f, m, 'depth_l1')}, no mesh {m['fail']:.1%} → {f['fail']:.1%} "
        f"({m['fail_detected']:.1%} → {f['fail_detected']:.1%} where the detector finds the "
        "face).",
        "",
        "By occluded share of the face outline (NME 2D / depth L1 mm):",
        "",
        *table_head("share", "copies", *FITS),
    ]
    for lo, hi in SHARE_BINS:
        part = [c for c in copies if _in_bin(c["share"], (lo, hi))]
        cells = [
            f"{_summary(part, f)['nme2d']:.4f} / {_summary(part, f)['depth_l1']:.2f}" for f in FITS
        ]
        lines.append(f"| {lo:.0%}–{hi:.0%} | {len(part)} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "By occluder kind (a copy with several kinds counts under each):",
        "",
        *table_head("kind", "copies", *FITS),
    ]
    for kind in sorted({k for c in copies for k in c["kinds"]}):
        part = [c for c in copies if kind in c["kinds"]]
        cells = [
            f"{_summary(part, f)['nme2d']:.4f} / {_summary(part, f)['depth_l1']:.2f}" for f in FITS
        ]
        lines.append(f"| {kind} | {len(part)} | " + " | ".join(cells) + " |")
    flip = _mean(r["clean"]["mediapipe_flip"] for r in recs)
    lines += [
        "",
        "## Clean photos",
        "",
        *table_head("measure", "value"),
        f"| MediaPipe against itself under a flip, NME 2D | {flip:.4f} |",
    ]
    for fit in FITS[1:]:
        lines.append(
            f"| `{fit}` against MediaPipe, NME 2D | {_mean(r['clean'][fit] for r in recs):.4f} |"
        )
    fasseg = [r for r in recs if "face_iou" in r["clean"]]
    for fit in FITS:
        values = [
            r["clean"]["face_iou"][fit] for r in fasseg if r["clean"]["face_iou"][fit] is not None
        ]
        lines.append(
            f"| `{fit}`: FASSEG V2 test face IoU, median of {len(values)} | "
            f"{float(np.median(values)):.3f} |"
        )
    lines += _extra_sections(overall, flip, recs)
    _figure(copies)
    lines += [
        "",
        "![NME and depth error by occluded share](figures/robust_fit.png)",
        "",
        "Worst copies by MediaPipe's NME (red: MediaPipe's points, green: fused):",
        "",
        "![worst copies](figures/robust_fit_worst.png)",
        "",
    ]
    write_text_atomic(PAGE, "\n".join(lines))
    print("\n".join(lines))


def _extra_sections(overall: dict, flip: float, recs: list) -> list[str]:
    """The int8 copy, the depth job's speed by fit, and the rule's verdict, where measured."""
    lines = []
    int8 = (
        json.loads((MEASURED / "int8.json").read_text())
        if (MEASURED / "int8.json").is_file()
        else None
    )
    if int8:
        lines += [
            "",
            "## The student file: fp32 against int8",
            "",
            f"Command: `{int8['command']}`. The same {int8['copies']} occluded copies for both "
            "(those of the check photos the command covers that the detector finds), each "
            "face through fp32 and int8 in turn, so machine load hits both alike.",
            "",
            *table_head("file", "NME 2D", "ms per face (1 thread)", "MB"),
        ]
        for k, v in int8["files"].items():
            lines.append(f"| {k} | {v['nme2d']:.4f} | {v['ms']:.1f} | {v['mb']:.1f} |")
    speed = (
        json.loads((MEASURED / "speed.json").read_text())
        if (MEASURED / "speed.json").is_file()
        else None
    )
    if speed:
        base = speed["rates"]["mediapipe"]
        lines += [
            "",
            f"## Depth job speed (Celeb1k val, {speed['images']} photos at 512², one "
            "worker, `--backend head`, median of rounds interleaved, the background grid paused)",
            "",
            f"Command: `{speed['command']}`.",
            "",
            *table_head("fit", "images/s", "vs mediapipe"),
        ]
        for fit, rate in speed["rates"].items():
            lines.append(f"| `{fit}` | {rate:.2f} | {rate / base:.2f}× |")
    parser = MEASURED / "parser.json"
    if parser.is_file():
        measured = json.loads(parser.read_text())
        rows = measured["rows"]
        lines += [
            "",
            "## The depth parser retrained on each fit's depth",
            "",
            f"Command: `{measured['command']}`.",
            "",
            "The core-claim grid's `depth` row (student-lite0, 128², 1,500 steps × 8, seed "
            "0) trained on FASSEG depth made with `--hair predicted` and each fit, then "
            "scored on V2 test: clean, and with one synthetic occluded copy per photo "
            "(10–50% of the face; the copy's depth rendered by the same fit, as a user's "
            "would be; labels under the occluder ignored). One seed: differences under "
            "about 0.03 are within the grid's seed spread (MUTUAL_LEARNING.md).",
            "",
            *table_head(
                "depth made with",
                "clean test mean F1",
                "occluded test mean F1",
                "occluded copies without depth",
            ),
        ]
        for fit, r in rows.items():
            lines.append(
                f"| `{fit}` | {r['clean']:.3f} ({r['clean_photos']} photos) "
                f"| {r['occluded']:.3f} ({r['occluded_copies']} copies) "
                f"| {r['occluded_without_depth']} |"
            )
    if (FIGURES / "robust_fit_real.png").is_file():
        lines += [
            "",
            "## Real occlusions (Celeb1k val, picked by looking)",
            "",
            "Figure: `.venv/bin/python benchmarks/robust_fit.py real`. "
            "No clean copy exists, so no number: MediaPipe's landmarks and depth (red) "
            "beside the fused fit's (green), on "
            + "; ".join(f"{k}: {v}" for k, v in REAL_OCCLUSIONS.items())
            + ".",
            "",
            "![real occlusions](figures/robust_fit_real.png)",
        ]
    mp = overall["mediapipe"]
    mp_iou = float(
        np.median([r["clean"]["face_iou"]["mediapipe"] for r in recs if "face_iou" in r["clean"]])
    )
    lines += [
        "",
        "## Verdict by the rule written before the run",
        "",
        "The rule's FASSEG bar (face IoU ≥ 0.80) was misread from DEPTH.md, where it is "
        f"the `face` backend's; the `head` backend scores {mp_iou:.3f} with MediaPipe's "
        'own fit, so the check that means what the rule meant is "no lower than '
        "MediaPipe's\". Both are listed.",
        "",
    ]
    beats = {}
    for fit in FITS[1:]:
        s = overall[fit]
        clean = _mean(r["clean"][fit] for r in recs)
        ious = [
            r["clean"]["face_iou"][fit]
            for r in recs
            if "face_iou" in r["clean"] and r["clean"]["face_iou"][fit] is not None
        ]
        checks = {
            "NME ≤ ½ MediaPipe's": s["nme2d"] <= 0.5 * mp["nme2d"],
            "depth L1 ≤ ½ MediaPipe's": s["depth_l1"] <= 0.5 * mp["depth_l1"],
            "no failure where a face is detected": s["fail_detected"] == 0,
            "clean NME ≤ MediaPipe's flip self-agreement": clean <= flip,
            "FASSEG face IoU ≥ 0.80 (as written)": bool(ious) and float(np.median(ious)) >= 0.80,
            "FASSEG face IoU ≥ MediaPipe's": bool(ious) and float(np.median(ious)) >= mp_iou,
            "occluded NME ≤ 1.5× its clean NME": s["nme2d"] <= 1.5 * clean,
        }
        marks = ", ".join(f"{k}: {'yes' if ok else 'no'}" for k, ok in checks.items())
        lines.append(f"- `{fit}`: {marks}.")
        default_ok = all(v for k, v in checks.items() if "as written" not in k)
        beats[fit] = (default_ok, all(s[k] < mp[k] for k in ("nme2d", "depth_l1", "fail")))
    default = next((f for f in ("fused", "robust") if beats[f][0]), None)
    shipped = next((f for f in ("fused", "robust") if beats[f][1]), None)
    lines += [
        "",
        "**Decision.** "
        + (
            f"`{default}` meets the targets and becomes the default fit."
            if default
            else "No fit meets the halving targets: MediaPipe stays the default fit."
        )
        + (
            f" `{shipped}` beats MediaPipe on NME, depth L1 and failures at once, so the student "
            "ships in the package (int8, `faceparse/weights/robust_face_mesh.int8.onnx`) for "
            f'`--fit {shipped}` / `DepthConfig(fit="{shipped}")`.'
            if shipped
            else " Neither beats MediaPipe on NME, depth L1 and failures: not shipped."
        ),
    ]
    return lines


def _figure(copies) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
    x = np.arange(len(SHARE_BINS))
    for k, fit in enumerate(FITS):
        parts = [[c for c in copies if _in_bin(c["share"], b)] for b in SHARE_BINS]
        for ax, key in zip(axes, ("nme2d", "depth_l1"), strict=True):
            ax.bar(x + (k - 1) * 0.27, [_summary(p, fit)[key] for p in parts], 0.27, label=fit)
    for ax, title in zip(axes, ("landmark NME 2D", "depth L1 (mm)"), strict=True):
        ax.set_xticks(x, [f"{lo:.0%}–{hi:.0%}" for lo, hi in SHARE_BINS])
        ax.set_xlabel("occluded share of the face")
        ax.set_title(title)
    axes[0].legend()
    fig.tight_layout()
    FIGURES.mkdir(parents=True, exist_ok=True)
    fig.savefig(FIGURES / "robust_fit.png", dpi=110)


def compare_int8(args) -> None:
    """The student's NME, fp32 against int8, on the same occluded copies, and its speed."""
    import time

    from faceparse.face.landmarks import FaceMeshDetector
    from faceparse.face.robust_landmarks import RobustFaceMesh
    from faceparse.imageio import read_rgb
    from faceparse.metrics.landmarks import landmark_nme

    mesh = FaceMeshDetector()
    students = {k: RobustFaceMesh(CACHE / f"robust_face_mesh{k}.onnx") for k in ("", ".int8")}
    nme = {k: [] for k in students}
    seconds = {k: [] for k in students}
    for index, path in enumerate(photos(CHECK_FOLDERS)[: args.limit]):
        image = read_rgb(path)
        target = mesh(image)
        if target is None:
            continue
        for copy in range(COPIES):
            occluded = check_copy(image, target.points, index, copy).image
            faces = students[""].detector(occluded)
            if not faces:
                continue
            for k, student in students.items():
                t = time.perf_counter()
                points = student.from_face(occluded, faces[0])
                seconds[k].append(time.perf_counter() - t)
                nme[k].append(landmark_nme(points, target.points))
    result = {
        ("fp32" if k == "" else "int8"): {
            "nme2d": float(np.mean(nme[k])),
            "ms": 1000 * float(np.median(seconds[k])),
            "mb": (CACHE / f"robust_face_mesh{k}.onnx").stat().st_size / 1e6,
            "copies": len(nme[k]),
        }
        for k in students
    }
    _save(MEASURED / "int8.json", {"files": result, "copies": len(nme[""])})
    print(result)


def depth_speed(args) -> None:
    """Images/s of the depth job (Celeb1k val, 512², one worker) by fit, interleaved."""
    import tempfile
    import time

    from faceparse.depth import DepthConfig
    from faceparse.jobs.depth import make_depth

    root = SHARED / "data" / "celeb1k" / "val"
    n = len(photos(["celeb1k/val/images"]))
    rates = {fit: [] for fit in FITS}
    for _ in range(args.rounds):
        for fit in FITS:
            cfg = DepthConfig(fit=fit, fit_model=str(args.model))
            with tempfile.TemporaryDirectory() as tmp:
                t = time.perf_counter()
                make_depth("folder", root, tmp, cfg, ["all"], workers=1)
                rates[fit].append(n / (time.perf_counter() - t))
    result = {fit: float(np.median(r)) for fit, r in rates.items()}
    _save(MEASURED / "speed.json", {"images": n, "rates": result})
    print(result)


# Check photos with real occlusions, picked by looking at a contact sheet of Celeb1k val.
REAL_OCCLUSIONS = {
    "28509": "dark sunglasses",
    "28526": "both hands on the cheeks",
    "28579": "a hand over the mouth",
    "28580": "hair over half the face, head bowed",
    "28595": "a fringe over the eyes",
    "28636": "a hand on the chin",
    "28645": "a hand at the mouth, hair over the brow",
    "28661": "sunglasses",
}


def real_occlusions(args) -> None:
    """Before (MediaPipe) and after (fused) landmarks and depth on real occluded faces."""
    from faceparse.depth import DepthConfig, DepthRenderer
    from faceparse.face.landmarks import FaceLandmarks
    from faceparse.face.robust_landmarks import fuse_landmarks
    from faceparse.imageio import read_rgb
    from faceparse.visualize import depth_to_rgb, montage

    renderer = DepthRenderer(DepthConfig(fit="fused", fit_model=str(args.model)))
    rows = []
    for name, what in REAL_OCCLUSIONS.items():
        image = read_rgb(SHARED / "data" / "celeb1k" / "val" / "images" / f"{name}.jpg")
        mp, rb = renderer.detector(image), renderer.robust(image)
        fused = fuse_landmarks(mp.points, rb.points) if mp and rb else (rb and rb.points)
        tiles = [image]
        for points, colour in ((mp and mp.points, (255, 40, 40)), (fused, (40, 255, 40))):
            tiles.append(_drawn(image, points, colour))
            lm = None if points is None else FaceLandmarks(points, 1)
            tiles.append(depth_to_rgb(renderer.render(image, lm)[0]))
        rows.append((f"{name}: {what}. photo | MediaPipe | its depth | fused | its depth", tiles))
    # the FASSEG profiles MediaPipe finds no face in: the robust fit alone
    for path in photos(["fasseg/V3/Train_RGB"]):
        image = read_rgb(path)
        if renderer.detector(image) is None:
            rb = renderer.robust(image)
            tiles = [image, _drawn(image, rb and rb.points, (40, 255, 40))]
            tiles.append(depth_to_rgb(renderer.render(image, rb)[0]))
            rows.append(
                (f"{path.name}: MediaPipe finds no face. photo | robust | its depth", tiles)
            )
    write_png_atomic(FIGURES / "robust_fit_real.png", montage(rows, tile_height=170))


def retrained_parser(args) -> None:
    """The depth parser retrained on each fit's depth (the core-claim grid's `depth` row, seed
    0), scored on FASSEG V2 test clean and with synthetic occluders (labels under an occluder
    ignored; the occluded copy's depth rendered by the same fit, as a user's would be)."""
    from faceparse.datasets import Sample, open_dataset
    from faceparse.datasets.face_occluders import occluded_samples
    from faceparse.depth import DepthConfig, DepthRenderer
    from faceparse.jobs.depth import make_depth
    from faceparse.training.config import load_config
    from faceparse.training.evaluate import evaluate
    from faceparse.training.trainer import Trainer

    fasseg = SHARED / "data" / "fasseg"
    result = {}
    for fit in ("mediapipe", "fused"):
        cfg_depth = DepthConfig(backend="head", hair="predicted", fit=fit)
        folder = CACHE / f"fasseg-d-{fit}"
        make_depth("fasseg", fasseg, folder, cfg_depth, workers=1, subsets=("V2", "V3"))
        cfg = load_config(
            ROOT / "configs" / "fasseg" / "core_claim" / "depth.yaml",
            [
                "seed=0",
                f"data.root={fasseg}",
                f"data.depth={folder}",
                f"out={CACHE / f'parser-{fit}'}",
            ],
        )
        trainer = Trainer(cfg, resume=(Path(cfg.out) / "last.pt").is_file())
        trainer.fit()
        test = open_dataset("fasseg", fasseg, "test", depth=folder)
        test.drop_samples_without_depth()
        clean = [test[i] for i in range(len(test))]
        renderer = DepthRenderer(cfg_depth)
        occluded, without_depth = [], 0
        for s, copy, hidden in occluded_samples(clean, CHECK_SEED, first_index=1000):
            depth, info = renderer(copy.image)
            without_depth += info.status != "ok"
            occluded.append(Sample(s.name, copy.image, hidden, s.space, depth))
        with_depth = [s for s in clean if s.depth is not None]
        model = trainer.models["depth"]
        result[fit] = {
            "clean": evaluate(with_depth, "depth", cfg.data.size, model)[0].to_dict()["mean_f1"],
            "clean_photos": len(with_depth),
            "occluded": evaluate(occluded, "depth", cfg.data.size, model)[0].to_dict()["mean_f1"],
            "occluded_copies": len(occluded),
            "occluded_without_depth": without_depth,
        }
        print(fit, result[fit], flush=True)
    _save(MEASURED / "parser.json", {"rows": result})


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    t = sub.add_parser("train")
    t.add_argument("--steps", type=int, default=1500)
    t.add_argument("--threads", type=int, default=1)
    m = sub.add_parser("measure")
    m.add_argument("--model", type=Path, default=CACHE / "robust_face_mesh.int8.onnx")
    m.add_argument("--worst", type=int, default=8)
    m.add_argument("--limit", type=int, default=None, help="First N check photos (a dry run).")
    sub.add_parser("page")
    sub.add_parser("export")
    sub.add_parser("parser")
    ro = sub.add_parser("real")
    ro.add_argument("--model", type=Path, default=CACHE / "robust_face_mesh.int8.onnx")
    i = sub.add_parser("int8")
    i.add_argument("--limit", type=int, default=None)
    sp = sub.add_parser("speed")
    sp.add_argument("--model", type=Path, default=CACHE / "robust_face_mesh.int8.onnx")
    sp.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    commands = {
        "train": train,
        "export": train,
        "measure": measure,
        "int8": compare_int8,
        "speed": depth_speed,
        "real": real_occlusions,
        "parser": retrained_parser,
        "page": lambda a: write_page(),
    }
    commands[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
