"""Parsing on Ray (`pip install 'faceparse[ray]'`): one machine's cores or a cluster's.

* `RayEngine` — the engine behind `faceparse parse --engine ray`: the same job as `--workers`
  (same files, report.json, resume and exit codes), with the inputs spread over Ray actors that
  each load the parser once and run on one thread. An actor that dies (killed, out of memory,
  pre-empted, a native crash) costs only the inputs it held: each is retried once on a fresh
  actor, and an input that kills its actor twice is reported failed.
* `parse_dataset` — for Ray Data pipelines: a Dataset of photos (a `path` column, or `bytes`
  as `ray.data.read_binary_files(..., include_paths=True)` gives from any filesystem pyarrow
  reads: local, S3, GCS, HDFS) in, a Dataset of per-photo results out (label PNG bytes, the JSON
  summary, status and reason), to write wherever Ray Data writes.

`address`: None starts a local Ray instance with `actors` CPUs; "auto" joins the cluster this
machine belongs to (`ray start --head` / `ray start --address=HEAD:6379`); "ray://HOST:10001"
connects a client to a remote one. Paths must then be readable and writable by every node: a
shared mount (NFS, or an object store mounted with s3fs/gcsfuse) for the CLI job.
"""

from __future__ import annotations

import json
import os
from collections import deque
from dataclasses import dataclass
from pathlib import Path

from ..errors import ConfigError

# Environment of each actor: one thread for every numeric library it runs.
ONE_THREAD = {
    var: "1"
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS")
}
DIED_TWICE = "the worker died twice while parsing this input (a native crash, or out of memory)"


def _ray():
    try:
        import ray
    except ImportError:
        raise ConfigError(
            "the Ray engine needs Ray: pip install 'faceparse[ray]' (or 'ray[data]')"
        ) from None
    return ray


def connect(address: str | None, cpus: int) -> None:
    """Join (or start) Ray once per process; a Ray already joined is used as it is."""
    ray = _ray()
    if ray.is_initialized():
        return
    kwargs = {"num_cpus": cpus} if address is None else {"address": address}
    ray.init(
        **kwargs,
        runtime_env={"env_vars": ONE_THREAD},
        include_dashboard=False,
        log_to_driver=False,
        configure_logging=False,
    )


class _ParserWorker:
    """What each actor holds: one parser, made once."""

    def __init__(self, make_parser):
        from ..models.runtime import set_threads

        set_threads(1)
        self.parser = make_parser()

    def parse(self, task: tuple) -> dict:
        from ..jobs.parse import parse_input

        return parse_input(self.parser, *task)

    def ready(self) -> bool:
        return True


@dataclass(frozen=True)
class RayEngine:
    """`run_parse_job(..., engine=RayEngine(address, actors, batch_size))`. `batch_size`: inputs
    queued on each actor at a time, so the next one is there when one is done."""

    address: str | None = None
    actors: int = 2
    batch_size: int = 2

    def __call__(self, make_parser, tasks: list[tuple], *, progress, entries: list) -> None:
        ray = _ray()
        connect(self.address, self.actors)
        remote = ray.remote(num_cpus=1)(_ParserWorker)
        results: dict[int, dict] = {}
        queue: deque = deque()  # (task index, attempts that killed an actor so far)
        for i, task in enumerate(tasks):
            # resume on the driver: a done input is not sent anywhere
            done = _done_before(task)
            if done is not None:
                results[i] = done
            else:
                queue.append((i, 0))
        # no more actors than inputs to send (none when everything is done before)
        pool = [remote.remote(make_parser) for _ in range(min(self.actors, len(queue)))]
        running: dict = {}  # object ref -> (task index, attempts, actor slot, submission order)
        submitted, emitted = 0, 0

        def emit() -> None:
            nonlocal emitted
            while emitted in results:  # in input order, each as soon as it can be
                entries.append(results.pop(emitted))
                if progress is not None:
                    progress(Path(entries[-1]["input"]).name)
                emitted += 1

        try:
            while queue or running:
                for slot, actor in enumerate(pool):
                    held = sum(1 for *_, s, _ in running.values() if s == slot)
                    for _ in range(self.batch_size - held):
                        if not queue:
                            break
                        index, attempts = queue.popleft()
                        running[actor.parse.remote(tasks[index])] = (
                            index,
                            attempts,
                            slot,
                            submitted,
                        )
                        submitted += 1
                ready, _ = ray.wait(list(running), num_returns=1)
                index, attempts, slot, order = running.pop(ready[0])
                try:
                    results[index] = _reported(ray.get(ready[0]), tasks[index])
                except ray.exceptions.RayActorError:
                    # An actor runs one input at a time: the earliest sent of those it held
                    # was running and is the one that killed it; the others go back as they were.
                    held = [(index, attempts, order)] + [
                        (i, a, o) for ref, (i, a, s, o) in list(running.items()) if s == slot
                    ]
                    for ref in [r for r, v in running.items() if v[2] == slot]:
                        del running[ref]
                    culprit = min(held, key=lambda h: h[2])
                    for i, a, _ in sorted(held, key=lambda h: -h[2]):
                        if i != culprit[0]:
                            queue.appendleft((i, a))
                        elif a + 1 >= 2:
                            results[i] = _failed(tasks[i], DIED_TWICE)
                        else:
                            queue.appendleft((i, a + 1))
                    pool[slot] = remote.remote(make_parser)
                emit()
        finally:
            # interrupted: what finished out of order is reported too
            entries.extend(results[i] for i in sorted(results))
            for actor in pool:
                ray.kill(actor)


def _done_before(task: tuple) -> dict | None:
    path, stem, options, _ = task
    if options.overwrite or not (options.out / f"{stem}.json").is_file():
        return None
    return {"input": str(path), "status": "done_before", "output": stem}


def _reported(entry: dict, task: tuple) -> dict:
    """An input sent again after its actor died, whose files that actor had already written,
    is reported with the status it was written with: this job did it, not an earlier one."""
    path, stem, options, _ = task
    if entry["status"] != "done_before":
        return entry
    summary = json.loads((options.out / f"{stem}.json").read_text())
    return {"input": str(path), "status": summary.get("status", "ok"), "output": stem}


def _failed(task: tuple, reason: str) -> dict:
    return {"input": str(task[0]), "status": "failed", "reason": f"{task[0]}: {reason}"}


class _BatchParser:
    """Ray Data's callable class for `parse_dataset`: one parser per actor."""

    def __init__(self, make_parser, labels_png: bool):
        from ..models.runtime import set_threads

        set_threads(1)
        self.parser, self.labels_png = make_parser(), labels_png

    def __call__(self, batch: dict) -> dict:
        import cv2

        from ..imageio import decode_rgb, read_rgb
        from ..jobs.parse import failure_entry

        n = len(next(iter(batch.values())))
        paths = list(batch["path"]) if "path" in batch else [None] * n
        blobs = list(batch["bytes"]) if "bytes" in batch else [None] * n
        out = {"input": [], "status": [], "reason": [], "summary": [], "labels_png": []}
        for path, blob in zip(paths, blobs, strict=True):
            name = str(path) if path is not None else "bytes"
            status, reason, summary, png = "ok", "", "", b""
            try:
                image = read_rgb(path) if blob is None else decode_rgb(bytes(blob), name)
                result = self.parser(image)
                summary = json.dumps(result.summary())
                status = "ok" if result.faces else "no_face"
                if self.labels_png:
                    png = cv2.imencode(".png", result.labels)[1].tobytes()
            except Exception as e:  # recorded per row; the dataset goes on
                status, reason = "failed", failure_entry(e, Path(name))["reason"]
            for key, value in zip(out, (name, status, reason, summary, png), strict=True):
                out[key].append(value)
        return out


def parse_dataset(
    ds,
    make_parser,
    actors: int = 2,
    batch_size: int = 8,
    labels_png: bool = True,
):
    """`ray.data.Dataset` of photos (`path` and/or `bytes` columns) -> one of `input`, `status`
    (ok | no_face | failed), `reason`, `summary` (JSON) and `labels_png` (class-id PNG bytes),
    parsed by `actors` actors that each make their parser once with `make_parser` (a picklable
    function, e.g. `functools.partial(FaceParser.load, "default")`)."""
    return ds.map_batches(
        _BatchParser,
        fn_constructor_args=(make_parser, labels_png),
        batch_size=batch_size,
        batch_format="numpy",
        concurrency=actors,
        num_cpus=1,
        runtime_env={"env_vars": ONE_THREAD},
    )


def dataset_of_paths(paths: list[str | os.PathLike]):
    """A Ray Dataset with one `path` row per photo (listing only: nothing is read here)."""
    return _ray().data.from_items([{"path": str(p)} for p in paths])
