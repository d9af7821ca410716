import numpy as np
import pytest
from layouts import write_celebamask_hq, write_fasseg, write_helen, write_lapa
from PIL import Image

from faceparse.datasets import DepthFolder, open_dataset, write_folder_dataset
from faceparse.datasets.synthetic import synthetic_dataset
from faceparse.imageio import DataError
from faceparse.labels import CELEBAMASK_HQ, FASSEG, HELEN, LAPA


def test_celebamask_hq_split_merge_and_resize(tmp_path):
    ids = {"train": [0, 1, 2000], "val": [2001], "test": [4005]}
    labels = write_celebamask_hq(tmp_path, ids)
    train = open_dataset("celebamask-hq", tmp_path, "train")
    assert train.names == ["0", "1", "2000"]
    assert open_dataset("celebamask-hq", tmp_path, "test").names == ["4005"]
    assert len(open_dataset("celebamask-hq", tmp_path, "all")) == 5
    s = train[2]  # id 2000 lives in mask folder 1
    assert train.records[2].label.parent.name == "1"
    assert s.image.shape == (64, 64, 3)  # 128² photo resized to the 64² mask grid
    assert s.space is CELEBAMASK_HQ
    # later parts overwrite earlier ones: the skin mask covering the eyes does not win
    np.testing.assert_array_equal(s.label, labels[2000])


def test_celebamask_hq_without_partition_file_says_so(tmp_path):
    write_celebamask_hq(tmp_path, {"train": [0]})
    (tmp_path / "list_eval_partition.txt").unlink()
    with pytest.raises(DataError, match="list_eval_partition.txt"):
        open_dataset("celebamask-hq", tmp_path, "train")


def test_lapa(tmp_path):
    labels = write_lapa(tmp_path, {"train": 3, "test": 2})
    ds = open_dataset("lapa", tmp_path, "test")
    assert len(ds) == 2 and ds.space is LAPA
    s = ds[1]
    np.testing.assert_array_equal(s.label, labels[s.name])
    assert s.label.max() <= 10 and s.depth is None
    with pytest.raises(DataError, match="val"):
        open_dataset("lapa", tmp_path, "val")


def test_helen_argmax_of_class_maps(tmp_path):
    labels = write_helen(tmp_path, {"train": 2, "val": 1, "test": 2})
    ds = open_dataset("helen", tmp_path, "test")
    assert ds.names == ["2000_0000", "2000_0001"]
    s = ds[0]
    np.testing.assert_array_equal(s.label, labels[s.name])
    assert s.space is HELEN and HELEN.index("hair") in np.unique(s.label)


def test_fasseg_snaps_antialiased_colours(tmp_path):
    labels = write_fasseg(tmp_path)
    test = open_dataset("fasseg", tmp_path, "test")
    assert test.names == ["V2/Test/1", "V2/Test/2"]
    both = open_dataset("fasseg", tmp_path, "train", subsets=("V2", "V3"))
    assert len(both) == 3 + 4
    assert "V3/+45/personne0011+0+45" in both.names
    for s in (test[0], both[5]):
        assert s.space is FASSEG
        truth = labels[s.name]
        agree = (s.label == truth).mean()
        assert agree > 0.97  # only blurred edge pixels may snap to a neighbour
        assert set(np.unique(s.label)) == set(np.unique(truth))


def test_folder_dataset_with_depth_and_lists(tmp_path):
    faces = synthetic_dataset(5, seed=3, size=48, space=LAPA)
    write_folder_dataset(tmp_path, {"train": faces[:3], "test": faces[3:]})
    ds = open_dataset("folder", tmp_path, "test")
    s = ds[0]
    assert s.name == faces[3].name
    np.testing.assert_array_equal(s.image, faces[3].image)
    np.testing.assert_array_equal(s.depth, faces[3].depth)
    assert s.depth[0, 0] == 0 and s.depth.max() == 255
    assert DepthFolder(tmp_path).split_names("train") == [f.name for f in faces[:3]]
    assert DepthFolder(tmp_path / "depth").root == tmp_path
    helen = open_dataset("folder", tmp_path, "test", space="helen")
    assert helen.space is HELEN and ds.space is LAPA  # the option does not leak


def test_any_dataset_pairs_with_a_depth_folder(tmp_path):
    labels = write_lapa(tmp_path / "lapa", {"test": 2})
    names = sorted(labels)
    depth_root = tmp_path / "lapa-d"
    (depth_root / "depth").mkdir(parents=True)
    for k, n in enumerate(names):
        Image.fromarray(np.full((64, 64), 10 + k, np.uint8)).save(depth_root / "depth" / f"{n}.png")
    ds = open_dataset("lapa", tmp_path / "lapa", "test", depth=depth_root)
    assert [int(ds[i].depth[0, 0]) for i in range(2)] == [10, 11]
    Image.fromarray(np.zeros((32, 64), np.uint8)).save(depth_root / "depth" / f"{names[0]}.png")
    with pytest.raises(DataError, match="is 64×32 but its label is 64×64") as e:
        ds[0]
    assert e.value.kind == "size_mismatch" and names[0] in str(e.value)
    (depth_root / "depth" / f"{names[1]}.png").unlink()
    with pytest.raises(DataError, match="file not found"):
        ds[1]


def test_label_ids_outside_the_space_are_reported(tmp_path):
    labels = write_lapa(tmp_path, {"train": 1})
    name = next(iter(labels))
    bad = labels[name].copy()
    bad[0, :3] = 17
    Image.fromarray(bad).save(tmp_path / "train" / "labels" / f"{name}.png")
    ds = open_dataset("lapa", tmp_path, "train")
    with pytest.raises(DataError, match=r"label ids \[17\] are outside lapa") as e:
        ds[0]
    assert e.value.kind == "label_ids"


def test_image_label_size_mismatch(tmp_path):
    labels = write_lapa(tmp_path, {"train": 1})
    name = next(iter(labels))
    Image.fromarray(np.zeros((10, 20, 3), np.uint8)).save(
        tmp_path / "train" / "images" / f"{name}.jpg"
    )
    with pytest.raises(DataError, match="is 20×10 but its label is 64×64"):
        open_dataset("lapa", tmp_path, "train")[0]


def test_unknown_dataset_and_split():
    with pytest.raises(KeyError, match="choose from celebamask-hq"):
        open_dataset("celeba", ".", "train")
    with pytest.raises(ValueError, match="unknown split"):
        open_dataset("lapa", ".", "dev")


def test_real_fasseg(fasseg_root):
    test = open_dataset("fasseg", fasseg_root, "test")
    train = open_dataset("fasseg", fasseg_root, "train", subsets=("V2", "V3"))
    assert len(test) == 50 and len(train) == 20 + 13 * 14
    s = test[0]
    assert s.label.shape == s.image.shape[:2] and s.image.shape[0] == 512
    ids, counts = np.unique(s.label, return_counts=True)
    assert ids.tolist() == [0, 1, 2, 3, 4, 5]
    # skin is the largest class of a frontal face crop, eyes the smallest
    frac = dict(zip(ids.tolist(), counts / counts.sum(), strict=True))
    assert frac[2] > 0.25 and frac[3] < 0.02


def test_samples_without_depth_can_be_left_out(tmp_path):
    from faceparse.datasets import open_dataset, write_folder_dataset
    from faceparse.datasets.synthetic import synthetic_dataset

    root = write_folder_dataset(tmp_path, {"all": synthetic_dataset(3, size=32, space="lapa")})
    (root / "depth" / "face0001.png").unlink()  # as `depth make` leaves a photo without a face
    ds = open_dataset("folder", root, "all", depth=root)
    assert ds.drop_samples_without_depth() == ["face0001"]
    assert ds.names == ["face0000", "face0002"] and ds[1].depth is not None
    plain = [f.with_arrays(depth=None) for f in synthetic_dataset(2, size=32, space="lapa")]
    no_depth = write_folder_dataset(tmp_path / "plain", {"all": plain})
    assert open_dataset("folder", no_depth, "all").drop_samples_without_depth() == []
