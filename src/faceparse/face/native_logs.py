"""Silencing the C++ log lines MediaPipe and TFLite print on their file descriptor 2.

They bypass Python (glog, absl and TFLite write straight to fd 2 from graph threads), so the only
way to hide them is to point fd 2 elsewhere while they are printed: when a graph is built and on
its first run, the only times they appear. `FACEPARSE_VERBOSE=1` (the CLI's `--verbose`) keeps
them.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

os.environ.setdefault("GLOG_minloglevel", "2")  # glog's INFO and WARNING, before MediaPipe loads

_lock = threading.RLock()


def verbose() -> bool:
    return os.environ.get("FACEPARSE_VERBOSE", "") not in ("", "0")


@contextmanager
def quiet_native_logs() -> Iterator[None]:
    """Send fd 2 to /dev/null for the duration (Python's own stderr is flushed first)."""
    if verbose():
        yield
        return
    with _lock:
        sys.stderr.flush()
        saved = os.dup(2)
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, 2)
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            os.close(devnull)
