"""`faceparse depth make`: depth for every image of a dataset, in the released RGB-D layout.

OUT/depth/<name>.png      written atomically; an existing file is not redone (resume)
OUT/{split}_list.txt      names with depth, per split
OUT/manifest.jsonl        one line per image: status ok | no_face | failed, reason, fit quality
OUT/config.json           the DepthConfig used (hair source recorded: never ground truth)
"""

from __future__ import annotations

import json
import multiprocessing as mp
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from ..datasets import DATASETS, open_dataset
from ..depth.render import DepthConfig, DepthRenderer
from ..errors import ConfigError, DataError
from ..imageio import atomic_open, read_rgb, write_png_atomic, write_text_atomic
from ..visualize import depth_to_rgb, montage
from .manifest import Manifest

MANIFEST = "manifest.jsonl"


@dataclass(frozen=True)
class Task:
    split: str
    name: str
    image: str
    out: str


_renderer: DepthRenderer | None = None


def _init_worker(config: DepthConfig) -> None:
    global _renderer
    _renderer = DepthRenderer(config)


def _run(task: Task) -> dict:
    assert _renderer is not None
    entry = {"split": task.split, "name": task.name, "image": task.image}
    try:
        image = read_rgb(task.image)
        depth, info = _renderer(image)
        entry.update(info.to_dict())
        if info.status == "ok":
            write_png_atomic(task.out, depth)
    except DataError as e:
        entry.update(status="failed", reason=f"{e.kind}: {e}")
    except Exception as e:  # one bad image must not stop a batch of thousands
        entry.update(status="failed", reason=f"{type(e).__name__}: {e} ({task.image})")
    return entry


def plan(dataset: str, root: Path, splits: Iterable[str], out: Path, **options) -> list[Task]:
    tasks = []
    for split in splits:
        ds = open_dataset(dataset, root, split, **options)
        for r in ds.records:
            tasks.append(Task(split, r.name, str(r.image), str(out / "depth" / f"{r.name}.png")))
    return tasks


def make_depth(
    dataset: str,
    root: str | Path,
    out: str | Path,
    config: DepthConfig | None = None,
    splits: Iterable[str] | None = None,
    workers: int = 1,
    progress: Callable[[Iterator, int], Iterator] = lambda it, n: it,
    **options,
) -> dict[str, int]:
    """Render depth for a dataset; returns counts (`Manifest.counts`: this run's by status,
    and `kept`, finished by an earlier run). Resumes where a run stopped."""
    config = config or DepthConfig()
    root, out = Path(root), Path(out)
    splits = list(splits) if splits else list(DATASETS[dataset].check_splits(root))
    # Fails on missing or malformed model files before any work; a single worker then uses it.
    renderer = DepthRenderer(config)
    out.mkdir(parents=True, exist_ok=True)
    previous_config = out / "config.json"
    cfg_json = json.dumps(asdict(config), indent=2, sort_keys=True)
    if previous_config.is_file() and _settings(previous_config) != json.loads(cfg_json):
        raise ConfigError(
            f"{out} was made with another configuration ({previous_config}); "
            "use a new output folder"
        )
    write_text_atomic(previous_config, cfg_json)

    tasks = plan(dataset, root, splits, out, **options)
    with Manifest(out / MANIFEST, key=lambda e: (e["split"], e["name"])) as manifest:
        # Resume: finished images and images without a face are not redone; errors are retried.
        todo = []
        for t in tasks:
            if _finished(manifest.done((t.split, t.name)), Path(t.out)):
                manifest.keep()
            else:
                todo.append(t)
        for entry in progress(_execute(todo, config, workers, renderer), len(todo)):
            manifest.record(entry)
    for split in splits:
        names = [
            t.name
            for t in tasks
            if t.split == split and (manifest.done((split, t.name)) or {}).get("status") == "ok"
        ]
        with atomic_open(out / f"{split}_list.txt", "w") as f:
            f.writelines(f"{n}\n" for n in names)
    return manifest.counts


def _settings(path: Path) -> dict:
    """A folder's recorded DepthConfig; a setting added since it was made counts at its
    default (an older folder made with the defaults resumes)."""
    return {**asdict(DepthConfig()), **json.loads(path.read_text())}


def _finished(entry: dict | None, out: Path) -> bool:
    if entry is None:
        return False
    return entry["status"] == "no_face" or (entry["status"] == "ok" and out.is_file())


def _execute(
    tasks: list[Task], config: DepthConfig, workers: int, renderer: DepthRenderer
) -> Iterator[dict]:
    global _renderer
    if workers <= 1:
        _renderer = renderer
        yield from map(_run, tasks)
        return
    renderer.close()
    # One BLAS/OpenMP thread per worker: the fits are many tiny solves, which threads slow down.
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
        os.environ[var] = "1"
    ctx = mp.get_context("spawn")
    with ctx.Pool(workers, initializer=_init_worker, initargs=(config,)) as pool:
        yield from pool.imap_unordered(_run, tasks, chunksize=4)


def write_depth_montage(images: list[Path], out: Path, config: DepthConfig) -> list[str]:
    """RGB | depth | overlay side by side for each photo, in one PNG (`faceparse depth show`);
    returns why each skipped photo was skipped."""
    renderer = DepthRenderer(config)
    rows, skipped = [], []
    for path in images:
        try:
            rgb = read_rgb(path)
        except DataError as e:
            skipped.append(str(e))
            continue
        depth, info = renderer(rgb)
        coloured = depth_to_rgb(depth)
        blend = np.where((depth > 0)[:, :, None], (0.5 * rgb + 0.5 * coloured), rgb)
        rows.append((f"{path.name}: {info.status}", [rgb, coloured, blend.astype(np.uint8)]))
    if not rows:
        raise DataError(images[0] if images else out, "unreadable", "no readable photo to show")
    write_png_atomic(out, montage(rows))
    return skipped
