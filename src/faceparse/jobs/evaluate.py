"""Score a checkpoint on a dataset split (`faceparse eval`): per-class F1, mean F1, mIoU,
accuracy, fragmentation, and for translated depth the translator's error."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path

from ..datasets import open_dataset
from ..errors import ConfigError
from ..imageio import write_text_atomic
from ..models.files import checkpoint_networks
from ..models.runtime import resolve_device
from ..training.evaluate import MODALITIES, evaluate


def evaluate_checkpoint(
    checkpoint: str | Path,
    dataset: str,
    root: str | Path,
    split: str = "test",
    modality: str = "rgb",
    depth: str | Path | None = None,
    out: Path | None = None,
    progress: Callable[[Iterable], Iterable] | None = None,
    device: str = "auto",
    **options,
) -> tuple[str, dict]:
    """(markdown report, scores as a dict); with `out`, also out/scores.md and scores.json.
    `options` go to the dataset reader (subsets, space)."""
    if modality not in MODALITIES:
        raise ConfigError(f"--modality is one of {', '.join(MODALITIES)}, got {modality!r}")
    found = checkpoint_networks(checkpoint)
    target = resolve_device(device)
    parser = found.network("rgb" if modality == "rgb" else "depth").to(target)
    translator = found.networks.get("translator")
    ds = open_dataset(dataset, root, split, depth=depth, **options)
    if ds.space.name != found.space:
        raise ConfigError(
            f"{checkpoint}: trained on {found.space} labels, {dataset} has {ds.space.name}"
        )
    indices = range(len(ds)) if progress is None else progress(range(len(ds)))
    samples = [ds[i] for i in indices]
    scores, errors = evaluate(
        samples, modality, found.size, parser, None if translator is None else translator.to(target)
    )
    report = scores.to_markdown()
    record = scores.to_dict()
    if errors is not None:
        report += (
            f"\nTranslated vs real depth on the foreground: L1 {errors.l1:.2f}, "
            f"RMSE {errors.rmse:.2f} grey levels\n"
        )
        record.update(errors.to_dict())
    if out is not None:
        write_text_atomic(out / "scores.md", report)
        write_text_atomic(out / "scores.json", json.dumps(record, indent=2))
    return report, record
