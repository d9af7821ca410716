import numpy as np
from paths import MODELS, needs_models

from faceparse.depth.head_regions import (
    REGIONS,
    HeadRegionRenderer,
    triangle_regions,
    vertex_regions,
)

# iBUG jaw landmarks 3-8 of the ICT mean head (cm): jaw angle to chin.
JAW = np.array(
    [[-6.56, -2.36, 5.17], [-5.72, -4.49, 6.13], [-4.3, -6.21, 7.35], [-3.05, -6.91, 8.77],
     [-1.54, -7.26, 10.27], [0.0, -7.57, 10.43]]
)  # fmt: skip


def test_vertex_regions_cut_ears_neck_and_scalp():
    points = np.array(
        [
            [0.0, 0.4, 13.0],  # nose tip: face
            [-8.5, 1.0, 0.0],  # beside the head at eye height, behind the jaw: subject's right ear
            [8.5, 1.0, 0.0],  # ... left ear
            [0.0, -10.0, 6.0],  # under the chin: neck
            [-4.0, -4.0, 7.0],  # jaw side above the jaw line: face
            [0.0, 12.0, -2.0],  # top of the head: scalp
            [0.0, -8.0, -8.0],  # back, below the skull base: neck
        ]
    )
    got = vertex_regions(points, face_vertex_stop=5, jaw=JAW)
    names = [REGIONS[i] for i in got]
    assert names == ["face", "right_ear", "left_ear", "neck", "face", "scalp", "neck"]


def test_triangle_region_is_the_majority_of_its_corners():
    per_vertex = np.array([1, 1, 2, 3, 4], np.uint8)
    tris = np.array([[0, 1, 2], [2, 3, 1], [2, 3, 4], [3, 2, 2]])
    assert triangle_regions(tris, per_vertex).tolist() == [1, 2, 2, 2]


@needs_models
def test_frontal_face_has_an_ear_on_each_side_and_a_neck_below(fasseg_root):
    from faceparse.datasets import open_dataset

    image = open_dataset("fasseg", fasseg_root, "test")[0].image
    renderer = HeadRegionRenderer(MODELS)
    found = renderer(image)
    renderer.close()
    assert found is not None
    cols = {}
    for name in ("right_ear", "left_ear", "face", "neck"):
        ys, xs = np.nonzero(found.regions == REGIONS.index(name))
        assert len(xs) > 50, name
        cols[name] = (xs.mean(), ys.mean())
    # The subject's right ear is on the image's left of an unmirrored frontal photo.
    assert cols["right_ear"][0] < cols["face"][0] < cols["left_ear"][0]
    assert cols["neck"][1] > cols["face"][1]
    assert found.regions.shape == image.shape[:2]


@needs_models
def test_no_face_gives_none():
    renderer = HeadRegionRenderer(MODELS)
    assert renderer(np.zeros((64, 64, 3), np.uint8)) is None
    renderer.close()


@needs_models
def test_a_head_file_without_its_landmark_ids_is_refused_before_work(tmp_path):
    import pytest

    from faceparse.depth.mesh_files import CANONICAL_FILE, DENSE_FILE, HEAD_FILE
    from faceparse.errors import ModelFileError

    with np.load(MODELS / HEAD_FILE) as head:
        np.savez(tmp_path / HEAD_FILE, **{k: head[k] for k in head.files if k != "landmarks68"})
    for name in (CANONICAL_FILE, DENSE_FILE):
        (tmp_path / name).symlink_to(MODELS / name)
    with pytest.raises(ModelFileError, match="missing array 'landmarks68'"):
        HeadRegionRenderer(tmp_path)
