"""Inference speed of each network × backend × batch size, side by side in one run.

Backends: torch fp32; torch bf16 autocast + channels_last; onnxruntime fp32; onnxruntime int8
(static QDQ). Weights are random: speed does not depend on them. Each cell is the median over
`repeats` timed runs (after `warmup` untimed ones) of one forward pass of the batch.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from ..models import UNetTranslator, build_parser
from ..models.cpu import cpu_model_and_flags
from ..models.onnx import export_onnx, onnx_session, quantize_int8
from ..models.runtime import resolve_device

BACKENDS = ("torch fp32", "torch bf16+channels_last", "onnxruntime fp32", "onnxruntime int8")


@dataclass
class Timing:
    network: str
    backend: str
    batch: int
    ms_per_image: float

    @property
    def images_per_s(self) -> float:
        return 1000.0 / self.ms_per_image


def _median_seconds(run: Callable[[], object], repeats: int, warmup: int) -> float:
    for _ in range(warmup):
        run()
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        run()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def build_network(name: str, num_classes: int = 11) -> torch.nn.Module:
    """The RGB-input network of a bench row, in eval mode."""
    if name == "translator":
        return UNetTranslator(3, 1, 32).eval()
    return build_parser(name, num_classes, 3).eval()


def bench(
    networks: list[str],
    size: int = 256,
    batches: tuple[int, ...] = (1, 8),
    repeats: int = 10,
    warmup: int = 2,
    backends: tuple[str, ...] = BACKENDS,
    device: str = "cpu",
) -> list[Timing]:
    """The torch rows run on `device` (a GPU is synchronised after each pass, so the time is
    the GPU's); the onnxruntime rows on the CPU."""
    threads = torch.get_num_threads()
    target = resolve_device(device)
    rows = []
    for name in networks:
        model, channels = build_network(name), 3
        with tempfile.TemporaryDirectory() as tmp:
            onnx_files = {}
            if any(b.startswith("onnxruntime") for b in backends):
                fp32 = export_onnx(model, Path(tmp) / "m.onnx", channels, size)
                onnx_files["onnxruntime fp32"] = fp32
                if "onnxruntime int8" in backends:
                    rng = np.random.default_rng(0)
                    calib = [
                        rng.normal(size=(1, channels, size, size)).astype(np.float32)
                        for _ in range(8)
                    ]
                    onnx_files["onnxruntime int8"] = quantize_int8(
                        fp32, Path(tmp) / "q.onnx", calib
                    )
            sessions = {k: onnx_session(v, threads) for k, v in onnx_files.items()}
            for batch in batches:
                x = torch.randn(batch, channels, size, size)
                for backend in backends:
                    run = _runner(backend, model, x, sessions, target)
                    seconds = _median_seconds(run, repeats, warmup)
                    rows.append(Timing(name, backend, batch, 1000.0 * seconds / batch))
    return rows


def _runner(
    backend: str, model, x: torch.Tensor, sessions, device: torch.device
) -> Callable[[], object]:
    if backend.startswith("torch"):
        bf16 = backend == "torch bf16+channels_last"
        fast = model.to(device)
        xd = x.to(device)
        if bf16:
            fast = fast.to(memory_format=torch.channels_last)
            xd = xd.contiguous(memory_format=torch.channels_last)
        autocast = torch.autocast(device.type, dtype=torch.bfloat16, enabled=bf16)

        def run():
            with torch.inference_mode(), autocast:
                out = fast(xd)
            if device.type == "cuda":
                torch.cuda.synchronize(device)
            return out

        return run
    session = sessions[backend]
    feed = {"input": x.numpy()}
    return lambda: session.run(None, feed)


def speed_table(rows: list[Timing]) -> str:
    batches = sorted({r.batch for r in rows})
    head = (
        "| network | backend | "
        + " | ".join(f"batch {b}: ms/image | batch {b}: images/s" for b in batches)
        + " |"
    )
    lines = [head, "|---|---|" + "---:|" * (2 * len(batches))]
    keys = list(dict.fromkeys((r.network, r.backend) for r in rows))
    for network, backend in keys:
        cells = []
        for b in batches:
            r = next(t for t in rows if (t.network, t.backend, t.batch) == (network, backend, b))
            cells += [f"{r.ms_per_image:.2f}", f"{r.images_per_s:.1f}"]
        lines.append(f"| {network} | {backend} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def fastest_backends(rows: list[Timing]) -> str:
    """Which backend wins for each network and batch on this machine, and by how much over
    torch fp32: the advice changes with the CPU (AVX2 only, or AVX-512 with AMX bf16/int8)."""
    lines = []
    for network, batch in dict.fromkeys((r.network, r.batch) for r in rows):
        cell = [r for r in rows if (r.network, r.batch) == (network, batch)]
        best = min(cell, key=lambda r: r.ms_per_image)
        base = next((r for r in cell if r.backend == "torch fp32"), best)
        lines.append(
            f"- {network}, batch {batch}: **{best.backend}** "
            f"({base.ms_per_image / best.ms_per_image:.1f}× torch fp32)"
        )
    return "Fastest here:\n\n" + "\n".join(lines)


def cpu_line() -> str:
    """The CPU model and the vector flags that decide which backend wins on it."""
    model, flags = cpu_model_and_flags()
    wanted = [
        ("avx2", "AVX2"),
        ("avx512f", "AVX-512"),
        ("avx512_vnni", "AVX-512 VNNI"),
        ("avx_vnni", "AVX-VNNI"),
        ("avx512_bf16", "AVX-512 BF16"),
        ("amx_bf16", "AMX-BF16"),
        ("amx_int8", "AMX-INT8"),
    ]
    have = [name for flag, name in wanted if flag in flags]
    return f"{model} ({', '.join(have) or 'no AVX2'})"


def machine_line() -> str:
    import platform

    return (
        f"{cpu_line()}, {os.cpu_count()} cores, torch {torch.__version__} "
        f"({torch.get_num_threads()} threads), Python {platform.python_version()}"
    )
