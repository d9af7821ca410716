"""FASSEG structure and speed experiment (issue 5): BiSeNet-R18 vs the real-time student (plain
and distilled from BiSeNet on unlabelled Celeb1k photos), their int8 ONNX versions, and the
consensus loss vs plain cross-entropy (fragmentation). Same data and step budget as
benchmarks/fasseg_mutual.py, whose RGB-only runs are the cross-entropy rows here. Writes
docs/results/STRUCTURE.md.

    .venv/bin/python benchmarks/fasseg_structure.py [--seeds 0 1 2]
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import tempfile
from pathlib import Path

import cv2
import torch
from fasseg_runs import ROOT, mean_std, run_config, train_and_score

from faceparse.datasets import open_dataset
from faceparse.jobs.reports import write_section
from faceparse.models.files import checkpoint_networks
from faceparse.models.onnx import OnnxParser, export_onnx, quantize_int8
from faceparse.models.preprocess import rgb_tensor
from faceparse.training.evaluate import evaluate


def int8_scores(checkpoint: Path, calibration_images, test_samples):
    """Mean F1 of the fp32 and int8 ONNX versions of a checkpoint's RGB parser."""
    found = checkpoint_networks(checkpoint)
    size, space = found.size, found.space
    calib = [
        rgb_tensor(cv2.resize(im, (size, size), interpolation=cv2.INTER_AREA))[None].numpy()
        for im in calibration_images
    ]
    with tempfile.TemporaryDirectory() as tmp:
        fp32 = export_onnx(
            found.network("rgb"), Path(tmp) / "m.onnx", 3, size, {"label_space": space}
        )
        int8 = quantize_int8(fp32, Path(tmp) / "q.onnx", calib)
        return {
            name: evaluate(test_samples, "rgb", size, OnnxParser(path))[0].mean_f1
            for name, path in (("fp32", fp32), ("int8", int8))
        }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--fasseg", default=str(ROOT.parent / "shared" / "data" / "fasseg"))
    ap.add_argument("--celeb", default=str(ROOT.parent / "shared" / "data" / "celeb1k"))
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "results" / "STRUCTURE.md")
    ap.add_argument("--set", dest="extra", action="append", default=[], help="config override")
    args = ap.parse_args()
    torch.set_num_threads(os.cpu_count() or 1)
    overrides = [f"data.root={args.fasseg}", *args.extra]
    test = open_dataset("fasseg", args.fasseg, "test")
    test_samples = [test[i] for i in range(len(test))]
    rgb_eval = [("rgb", "rgb")]

    # students and their teacher: one seed (the first)
    seed = args.seeds[0]
    run_overrides = {"bisenet_r18": overrides, "student": overrides}
    teacher_ckpt = Path(run_config("bisenet_r18", seed, overrides).out) / "last.pt"
    run_overrides["student_distill"] = [
        *overrides,
        f"distill.teacher={teacher_ckpt}",
        f"distill.unlabelled={Path(args.celeb) / 'train' / 'images'}",
    ]
    teacher, student, distilled = (
        train_and_score(name, seed, run_overrides[name], test_samples, rgb_eval)
        for name in ("bisenet_r18", "student", "student_distill")
    )
    train = open_dataset("fasseg", args.fasseg, "train")
    calibration = [train[i].image for i in range(min(16, len(train)))]
    rows = [
        ("BiSeNet-R18", teacher, "bisenet_r18"),
        ("student", student, "student"),
        ("student distilled from BiSeNet-R18", distilled, "student_distill"),
    ]
    lines = [
        "| parser | mean F1 | pixel accuracy | mean fragmentation | ONNX fp32 mean F1 "
        "| ONNX int8 mean F1 | train min |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for label, r, name in rows:
        s = r["rgb/rgb"]
        checkpoint = Path(run_config(name, seed, run_overrides[name]).out) / "last.pt"
        q = int8_scores(checkpoint, calibration, test_samples)
        lines.append(
            f"| {label} | {s['mean_f1']:.3f} | {100 * s['pixel_accuracy']:.2f}% "
            f"| {s['mean_fragmentation']:.2f} | {q['fp32']:.3f} | {q['int8']:.3f} "
            f"| {r['train_seconds'] / 60:.1f} |"
        )
    students = "\n".join(lines)

    # consensus vs cross-entropy: every seed; the CE runs are fasseg_mutual.py's RGB-only rows
    ce = [
        train_and_score("rgb", s, overrides, test_samples, rgb_eval)["rgb/rgb"] for s in args.seeds
    ]
    cons = [
        train_and_score("rgb_consensus", s, overrides, test_samples, rgb_eval)["rgb/rgb"]
        for s in args.seeds
    ]
    lines = [
        "| loss | mean F1 | pixel accuracy | mean fragmentation (lower is better) |",
        "|---|---:|---:|---:|",
    ]
    for label, runs in (("cross-entropy", ce), ("cross-entropy + 0.1 × consensus", cons)):
        lines.append(
            f"| {label} | {mean_std([r['mean_f1'] for r in runs])} "
            f"| {mean_std([r['pixel_accuracy'] for r in runs], 2, 100)}% "
            f"| {mean_std([r['mean_fragmentation'] for r in runs], 2)} |"
        )
    consensus = "\n".join(lines)
    command = "benchmarks/fasseg_structure.py --seeds " + " ".join(map(str, args.seeds))
    command += "".join(f" --set {o}" for o in args.extra)
    stamp = (
        f"Command: `.venv/bin/python {command}`. Machine: {platform.machine()}, {os.cpu_count()} "
        f"cores, CPU only, torch {torch.__version__}. Date: {datetime.date.today()}. Every run: "
        "FASSEG V2 + V3 train, 150 steps × batch 8 at 192², from scratch (students: seed "
        f"{seed}; consensus: mean ± std over seeds {args.seeds}); test: V2 test (50 images) at "
        "label resolution. int8: static QDQ calibrated on 16 FASSEG train photos."
    )
    body = f"{stamp}\n\n### Real-time student\n\n{students}\n\n### Consensus loss\n\n{consensus}"
    print(body)
    write_section(args.out, "<!-- tables written by benchmarks/fasseg_structure.py -->", body)


if __name__ == "__main__":
    main()
