"""What this CPU is and which vector instructions it has: they decide which backend is fastest
(docs/results/SPEED.md) and whether int8 inference is both fast and exact."""

from __future__ import annotations

import contextlib
import functools
import platform
from pathlib import Path

# Flags that give onnxruntime's int8 convolutions a dot-product instruction (u8 × s8 summed into
# 32 bits). Without one, the products are first summed in pairs into 16 bits, which can
# overflow (onnxruntime's own note: microsoft/onnxruntime#12088); int8 is not run by default there.
INT8_DOT_FLAGS = ("avx512_vnni", "avx_vnni", "amx_int8")


@functools.cache
def cpu_model_and_flags() -> tuple[str, frozenset[str]]:
    """The CPU's model name and its /proc/cpuinfo flags (none where that file is missing)."""
    model, flags = platform.processor() or platform.machine(), frozenset()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name") and ":" in line:
                model = line.split(":", 1)[1].strip()
            elif line.startswith("flags") and ":" in line:
                flags = frozenset(line.split(":", 1)[1].split())
                break
    return model, flags


def has_int8_dot_product() -> bool:
    return any(flag in cpu_model_and_flags()[1] for flag in INT8_DOT_FLAGS)
