"""`faceparse parse` as a batch job: images, folders, globs and videos in; per input a label PNG,
a colour overlay, optional per-class masks and a JSON summary out.

A bad input (unreadable, no face, a broken video) is recorded and the job goes on; every file is
written atomically and the JSON last, so a rerun skips what is done (resume) and redoes the rest.
"""

from __future__ import annotations

import contextlib
import functools
import glob
import json
import multiprocessing
import os
import signal
import tempfile
import threading
from collections import Counter, deque
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import cv2
import numpy as np

from ..errors import ConfigError, DataError, FaceparseError
from ..imageio import (
    image_suffixes,
    remove_leftover_temporaries,
    usual_permissions,
    write_png_atomic,
    write_text_atomic,
)
from ..parsing import FaceParser, ParseResult
from ..visualize import depth_to_rgb

VIDEO_EXTENSIONS = (".mp4", ".avi", ".mov", ".mkv", ".webm", ".m4v")


@dataclass(frozen=True)
class ParseJobOptions:
    out: Path
    masks: bool = False  # one PNG per class present
    depth: str | None = None  # "auto", a depth PNG (one input) or a folder of <stem>.png
    frames: bool = False  # videos: also a label PNG per frame
    frame_step: int = 1  # videos: parse every n-th frame
    overwrite: bool = False


def _usable(path: Path) -> bool:
    suffix = path.suffix.lower()
    return suffix in VIDEO_EXTENSIONS or suffix in image_suffixes()


def collect_inputs(items: list[str]) -> tuple[list[Path], list[dict]]:
    """Images and videos named by paths, folders (their direct children) and glob patterns, in a
    stable order without repeats, and an entry per item that named nothing usable.

    Paths stay as the user gave them (a link is reported under its own name); folders and globs
    keep every file whose extension some reader opens, broken links included, so that each one
    is either parsed or reported."""
    found: list[Path] = []
    missing: list[dict] = []
    for item in items:
        path = Path(item)
        if path.is_dir():
            try:
                matches = sorted(p for p in path.iterdir() if _usable(p) and not p.is_dir())
            except OSError as e:  # an unreadable folder is one failed entry, not a traceback
                reason = f"cannot list the folder ({e.strerror or e})"
                missing.append({"input": item, "status": "failed", "reason": reason})
                continue
        elif path.is_file() or path.is_symlink():
            matches = [path]
        else:
            matches = sorted(
                Path(p)
                for p in glob.glob(item, recursive=True)
                if _usable(Path(p)) and not Path(p).is_dir()
            )
        if not matches:
            missing.append(
                {
                    "input": item,
                    "status": "failed",
                    "reason": "no such file, or no images/videos there",
                }
            )
        found.extend(matches)
    unique: dict[Path, Path] = {}
    for p in found:
        unique.setdefault(Path(os.path.abspath(p)), p)
    return list(unique.values()), missing


# The job's own files in --out (report.json): no input's outputs may take these stems.
JOB_STEMS = ("report",)


def check_output_folder(out: Path) -> None:
    """DataError, before any model loads, where `out` cannot be made or written."""
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=out, prefix=".faceparse-write-check-"):
            pass
    except OSError as e:
        reason = f"output folder cannot be written ({e.strerror or e})"
        raise DataError(out, "unwritable", reason) from None


def output_stems(paths: list[Path]) -> dict[Path, str]:
    """A file-name stem per input, unique even when two files share a stem (a.jpg and a.png)
    or two folders hold the same name: the plain stem where it is unique, else the stem with
    its extension, else with its folder too, else numbered."""
    namings = [
        lambda p: p.stem,
        lambda p: f"{p.stem}_{p.suffix.lstrip('.')}",
        lambda p: f"{p.parent.name}_{p.stem}_{p.suffix.lstrip('.')}",
    ]
    counts = [Counter(name(p) for p in paths) for name in namings]
    stems: dict[Path, str] = {}
    # a.png's "a_png" must not meet a_png.jpg's plain stem, nor report.png the job's report
    used: set[str] = set(JOB_STEMS)
    for i, p in enumerate(paths):
        unique = [
            name(p)
            for name, c in zip(namings, counts, strict=True)
            if c[name(p)] == 1 and name(p) not in used
        ]
        stems[p] = unique[0] if unique else f"{namings[-1](p)}_{i}"
        used.add(stems[p])
    return stems


def write_result(result: ParseResult, out: Path, stem: str, masks: bool) -> dict:
    """Label PNG, overlay, masks and depth of one image; returns its summary (not yet written)."""
    write_png_atomic(out / f"{stem}.labels.png", result.labels)
    write_png_atomic(out / f"{stem}.overlay.png", result.overlay())
    if masks:
        for name, mask in result.masks().items():
            write_png_atomic(out / f"{stem}.masks" / f"{name}.png", mask.astype(np.uint8) * 255)
    if result.depth is not None:
        write_png_atomic(out / f"{stem}.depth.png", depth_to_rgb(result.depth))
    return result.summary()


def _depth_source(options: ParseJobOptions, path: Path, single: bool):
    d = options.depth
    if d is None or d == "auto":
        return d
    dp = Path(d)
    if dp.is_dir():
        return dp / f"{path.stem}.png"
    if not single:
        raise ConfigError("--depth FILE goes with one input; give a folder of <stem>.png for many")
    return dp


def parse_video_file(
    parser: FaceParser,
    path: Path,
    stem: str,
    options: ParseJobOptions,
    on_frame: Callable[[], None] | None = None,
) -> dict:
    """Overlay video `<stem>.overlay.mp4` (same size and frame rate) and per-frame summaries."""
    cap = cv2.VideoCapture(str(path))
    if not cap.isOpened():
        raise DataError(path, "unreadable", "cannot open the video (unknown codec or damaged)")
    cap.set(cv2.CAP_PROP_ORIENTATION_AUTO, 1)  # frames as shown, a rotation tag applied
    fps = cap.get(cv2.CAP_PROP_FPS) or 25.0
    expected = int(cap.get(cv2.CAP_PROP_FRAME_COUNT) or 0)  # what the container lists
    out = options.out
    out.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{stem}.", suffix=".mp4", dir=out)
    os.close(fd)
    usual_permissions(tmp)
    writer, frames, index = None, [], 0
    try:
        while True:
            ok, bgr = cap.read()
            if not ok:
                break
            t_ms = round(cap.get(cv2.CAP_PROP_POS_MSEC), 1)
            if index % options.frame_step == 0:
                result = parser(np.ascontiguousarray(bgr[:, :, ::-1]))
                if writer is None:
                    h, w = bgr.shape[:2]
                    rate = fps / options.frame_step
                    writer = cv2.VideoWriter(tmp, cv2.VideoWriter_fourcc(*"mp4v"), rate, (w, h))
                writer.write(np.ascontiguousarray(result.overlay()[:, :, ::-1]))
                if options.frames:
                    write_png_atomic(out / f"{stem}.frames" / f"{index:06d}.png", result.labels)
                s = result.summary()
                frames.append(
                    {"frame": index, "t_ms": t_ms, "faces": s["faces"], "areas": s["areas"]}
                )
                if on_frame is not None:
                    on_frame()
            index += 1
        if writer is None:
            raise DataError(path, "unreadable", "no frame could be decoded")
        writer.release()
        os.replace(tmp, out / f"{stem}.overlay.mp4")
    finally:
        cap.release()
        Path(tmp).unlink(missing_ok=True)
    notes = []
    if expected and index < expected:
        notes.append(
            f"read {index} of the {expected} frames the container lists: damaged or cut short "
            f"after frame {index}; the overlay video ends there"
        )
    return {
        "source": str(path),
        "status": "ok",
        "notes": notes,
        "frames_read": index,
        "frames_expected": expected,
        "frames_parsed": len(frames),
        "fps": fps,
        "label_space": parser.space.name,
        "frames_with_faces": sum(1 for f in frames if f["faces"]),
        "frames": frames,
    }


def run_parse_job(
    parser: FaceParser | Callable[[], FaceParser],
    inputs: list[str],
    options: ParseJobOptions,
    progress: Callable[[str], None] | None = None,
    workers: int = 1,
    on_total: Callable[[int], None] | None = None,
    engine: Engine | None = None,
) -> dict:
    """Parse everything; returns and writes out/report.json: counts and one entry per input.

    `parser` is a FaceParser, or a picklable function that makes one: with `workers` > 1 each
    worker process makes its own and the inputs are spread over them (in order); an `engine`
    (e.g. `faceparse.integrations.ray.RayEngine`) spreads them its own way instead. Nothing an
    input does stops the batch: each failure, expected or not, becomes a `failed` entry with its
    reason, and report.json is written even if the job is interrupted."""
    check_output_folder(options.out)
    # a killed run's half-written files (one job writes into a folder at a time)
    leftovers = remove_leftover_temporaries(options.out)
    paths, entries = collect_inputs(inputs)
    if on_total is not None:
        on_total(len(paths))  # how many inputs `progress` will be told of
    stems = output_stems(paths)
    tasks = [(path, stems[path], options, len(paths) == 1) for path in paths]
    # Until the job ends, report.json says it runs: a killed job's report never looks complete.
    started = {"running": True, "pid": os.getpid(), "counts": {}, "inputs": []}
    write_text_atomic(options.out / "report.json", json.dumps(started, indent=2))
    interrupted = False
    try:
        with _sigterm_as_interrupt():
            if engine is not None or (workers > 1 and len(tasks) > 1):
                if isinstance(parser, FaceParser):
                    raise ConfigError("workers > 1 need a function that makes the parser")
                run = engine or functools.partial(_in_processes, workers=workers)
                run(parser, tasks, progress=progress, entries=entries)
            else:
                parser = parser if isinstance(parser, FaceParser) else parser()
                _in_this_process(parser, tasks, progress, entries)
    except KeyboardInterrupt:
        interrupted = True
        raise
    finally:
        reported = {e["input"] for e in entries}
        not_done = [str(path) for path in paths if str(path) not in reported]
        report = job_report(entries, interrupted, not_done)
        if leftovers:
            report = {"temporaries_removed": leftovers, **report}
        write_text_atomic(options.out / "report.json", json.dumps(report, indent=2))
    return report


@contextlib.contextmanager
def _sigterm_as_interrupt():
    """SIGTERM (a service stop, `kill`) ends the job as Ctrl-C does: what is done is reported."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _in_this_process(parser: FaceParser, tasks: list[tuple], progress, entries: list) -> None:
    """Appends the entries of `tasks` in order, each as soon as it is done (so an interrupted
    job's report still lists them). Each photo's files are written by a second thread while the
    next photo is parsed: PNG encoding releases the GIL, and it is a fifth of a photo's time."""
    pending: deque = deque()
    with ThreadPoolExecutor(1, thread_name_prefix="faceparse-writer") as writer:
        try:
            for task in tasks:
                if progress is not None:
                    progress(task[0].name)
                step = start_input(parser, *task)
                pending.append(writer.submit(step) if callable(step) else step)
                while len(pending) > 1:
                    entries.append(_resolved(pending.popleft()))
        finally:  # finished or interrupted: what was parsed is written and reported
            entries += [_resolved(p) for p in pending]


def _resolved(entry: dict | Future) -> dict:
    return entry.result() if isinstance(entry, Future) else entry


_worker_parser: FaceParser | None = None


def _start_worker(make_parser: Callable[[], FaceParser]) -> None:
    global _worker_parser
    _worker_parser = make_parser()


def _parse_in_worker(task: tuple) -> dict:
    return parse_input(_worker_parser, *task)


# Seconds an interrupted job waits for the inputs its workers are parsing, to report them.
INTERRUPT_GRACE_S = 5


class Engine(Protocol):
    """Parses `tasks` (each the arguments of `parse_input` after the parser) with parsers made
    by `make_parser`, calling `progress(name)` per input done and appending each input's entry
    to `entries` as it is known, in input order."""

    def __call__(self, make_parser, tasks: list[tuple], *, progress, entries: list) -> None: ...


def _in_processes(make_parser, tasks: list[tuple], *, workers: int, progress, entries: list):
    """Appends the entries of `tasks`, parsed by `workers` fresh (spawned) processes, in input
    order. A worker that dies (killed, out of memory) fails the inputs not yet done; on an
    interrupt every input finished so far, in any worker, is kept; a rerun resumes."""
    context = multiprocessing.get_context("spawn")  # forking a process with live threads hangs
    pool = ProcessPoolExecutor(workers, context, _start_worker, (make_parser,))
    futures = [pool.submit(_parse_in_worker, task) for task in tasks]
    interrupted = False
    try:
        for future, (path, *_) in zip(futures, tasks, strict=True):
            try:
                entry = future.result()
            except BrokenProcessPool:
                reason = "a worker process died before this input was done; rerun to resume"
                entry = {"input": str(path), "status": "failed", "reason": reason}
            if progress is not None:
                progress(Path(entry["input"]).name)
            entries.append(entry)
    except KeyboardInterrupt:
        interrupted = True
        for future in futures:
            future.cancel()  # those not started; the inputs in flight get a moment to finish
        wait(futures, timeout=INTERRUPT_GRACE_S)
        kept = {e["input"] for e in entries}
        for future, (path, *_) in zip(futures, tasks, strict=True):
            finished = future.done() and not future.cancelled() and future.exception() is None
            if str(path) not in kept and finished:
                entries.append(future.result())
        raise
    finally:
        pool.shutdown(wait=not interrupted, cancel_futures=True)


def parse_input(
    parser: FaceParser, path: Path, stem: str, options: ParseJobOptions, single: bool
) -> dict:
    """One input -> its report entry; never raises for anything the input does."""
    step = start_input(parser, path, stem, options, single)
    return step() if callable(step) else step


def start_input(
    parser: FaceParser, path: Path, stem: str, options: ParseJobOptions, single: bool
) -> dict | Callable[[], dict]:
    """Parse one input; returns its report entry, or for a photo the function that writes its
    files and then returns the entry (so a batch can write one photo while parsing the next).
    Neither raises for anything the input does."""
    summary_file = options.out / f"{stem}.json"
    if summary_file.is_file() and not options.overwrite:
        return {"input": str(path), "status": "done_before", "output": stem}
    try:
        if path.suffix.lower() in VIDEO_EXTENSIONS:
            summary = parse_video_file(parser, path, stem, options)
            write_text_atomic(summary_file, json.dumps(summary, indent=2))
            return {"input": str(path), "status": summary["status"], "output": stem}
        result = parser(path, depth=_depth_source(options, path, single))
    except Exception as e:
        return failure_entry(e, path)

    def write() -> dict:
        """The PNGs, then the JSON summary: a summary on disk means the input is done."""
        try:
            summary = write_result(result, options.out, stem, options.masks)
            summary["status"] = "ok" if result.faces else "no_face"
            write_text_atomic(summary_file, json.dumps(summary, indent=2))
        except Exception as e:
            return failure_entry(e, path)
        return {"input": str(path), "status": summary["status"], "output": stem}

    return write


def failure_entry(error: Exception, path: Path) -> dict:
    """The report entry of an input that raised `error`."""
    if isinstance(error, FaceparseError | OSError):
        reason = _reason(error, path)
    else:  # a bug or a library's surprise: recorded, and the batch goes on
        reason = f"internal error ({type(error).__name__}: {error}); please report it"
    return {"input": str(path), "status": "failed", "reason": reason}


def _reason(error: Exception, path: Path) -> str:
    """The message, naming the input as the user gave it."""
    if isinstance(error, DataError):
        return f"{path}: {error.reason}"
    return str(error)


# Exit codes of a batch, shared by `faceparse parse` and its docs.
EXIT_ALL_DONE = 0  # every input parsed (with or without faces) or done before
EXIT_ALL_FAILED = 1  # no input could be parsed
EXIT_SOME_FAILED = 3  # some inputs failed (listed in report.json); 2 is a usage error


EXIT_INTERRUPTED = 130  # Ctrl-C or SIGTERM: the report lists what was done and what was not


def job_report(
    entries: list[dict], interrupted: bool = False, not_done: list[str] | None = None
) -> dict:
    counts: dict[str, int] = {}
    for e in entries:
        counts[e["status"]] = counts.get(e["status"], 0) + 1
    failed = counts.get("failed", 0)
    if interrupted:
        code = EXIT_INTERRUPTED
    elif not failed:
        code = EXIT_ALL_DONE
    elif failed == len(entries):
        code = EXIT_ALL_FAILED
    else:
        code = EXIT_SOME_FAILED
    report = {"counts": counts, "exit_code": code, "interrupted": interrupted}
    if not_done:
        report["not_done"] = not_done
    return {**report, "inputs": entries}
