"""A generic face-parsing folder, the simplest layout to bring your own data in:

ROOT/images/<name>.<jpg|png|...>
ROOT/labels/<name>.png          label ids in the space you name (`--space`, default lapa)
ROOT/depth/<name>.png           optional, the released depth layout
ROOT/{split}_list.txt           optional; without lists the only split is "all"
ROOT/{name}_list.txt            optional, for `repeat={name: times}`: the split's crops listed
                                there are drawn `times` times as often (rare cases that matter,
                                such as the headwear the 19-class data job lists)
"""

from __future__ import annotations

from pathlib import Path

from ..errors import ConfigError, DataError
from ..imageio import list_images, write_png_atomic, write_text_atomic
from ..labels import LAPA, get_label_space
from .base import FaceDataset, Sample, SampleRecord, find_image
from .name_lists import read_name_list


class FolderDataset(FaceDataset):
    name = "folder"
    space = LAPA
    splits = ("all", "train", "val", "test")

    def __init__(
        self, root, split="all", depth=None, transform=None, seed=0, space=None, repeat=None
    ):
        if space is not None:
            self.space = get_label_space(space)  # instance attribute shadows the class default
        self.repeat = dict(repeat or {})
        for name, times in self.repeat.items():
            if not isinstance(times, int) or isinstance(times, bool) or times < 1:
                raise ConfigError(
                    f"repeat: {name} needs a whole number of times >= 1, got {times!r}"
                )
        if depth is None and (Path(root) / "depth").is_dir():
            depth = root
        super().__init__(root, split, depth, transform, seed)

    @classmethod
    def check_splits(cls, root: Path) -> tuple[str, ...]:
        listed = tuple(s for s in cls.splits if (Path(root) / f"{s}_list.txt").is_file())
        return listed or ("all",)

    def index(self) -> list[SampleRecord]:
        images, labels = self.root / "images", self.root / "labels"
        list_file = self.root / f"{self.split}_list.txt"
        if list_file.is_file():
            names = read_name_list(list_file)
            records = [SampleRecord(n, find_image(images, n), labels / f"{n}.png") for n in names]
        elif self.split != "all":
            raise DataError(list_file, "missing", f"no {self.split} list; use split 'all'")
        else:
            records = [
                SampleRecord(p.stem, p, labels / f"{p.stem}.png") for p in list_images(images)
            ]
        for name, times in self.repeat.items():
            listed = set(read_name_list(self.root / f"{name}_list.txt"))
            records += [r for r in records if r.name in listed] * (times - 1)
        return records


def write_folder_dataset(root: str | Path, samples: dict[str, list[Sample]]) -> Path:
    """Write {split: samples} in the folder layout (RGB as PNG, lossless), with split lists."""
    root = Path(root)
    for split, items in samples.items():
        for s in items:
            write_png_atomic(root / "images" / f"{s.name}.png", s.image)
            if s.label is not None:
                write_png_atomic(root / "labels" / f"{s.name}.png", s.label)
            if s.depth is not None:
                write_png_atomic(root / "depth" / f"{s.name}.png", s.depth)
        write_text_atomic(root / f"{split}_list.txt", "".join(f"{s.name}\n" for s in items))
    return root
