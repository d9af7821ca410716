"""Tests of faceparse.parsing.face_parser."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from paths import SHARED
from PIL import Image
from skimage import data
from stand_ins import CentreDisc, DepthAware, face_at

from faceparse.errors import DataError
from faceparse.face.align import crop_matrix
from faceparse.labels import FASSEG, LAPA
from faceparse.parsing import FaceParser, ParseOptions
from faceparse.parsing.crop_scores import Logits, Probabilities
from faceparse.parsing.views import whole_image_face


def test_whole_image_face_crops_the_image_itself():
    m = crop_matrix(whole_image_face(64, 64), 64)
    assert np.allclose(m, np.hstack([np.eye(2), np.zeros((2, 1))]), atol=1e-9)


def test_face_parser_pastes_each_face_back_and_converts_spaces():
    image = np.full((200, 300, 3), 90, np.uint8)
    model = CentreDisc()
    parser = FaceParser(model, ParseOptions(detect=False))
    parser.detector = lambda img: [face_at(80, 80, 20), face_at(220, 100, 30)]  # two known faces
    result = parser(image)
    assert result.labels.shape == (200, 300) and len(result.faces) == 2
    # each face's crop centre is nose; far from both faces is background
    assert result.labels[82, 80] == LAPA.index("nose") and result.labels[103, 220] == 6
    assert result.labels[190, 10] == 0
    assert len(model.calls[0]) == 2  # both crops in one batch
    fasseg = FaceParser(CentreDisc(), ParseOptions(detect=False), space="fasseg")
    fasseg.detector = parser.detector
    r6 = fasseg(image)
    assert r6.space is FASSEG and r6.probabilities.shape == (6, 200, 300)
    assert r6.labels[82, 80] == FASSEG.index("nose")
    # probabilities are summed into the coarse classes: skin 0.1 stays skin, brows join hair
    assert np.isclose(r6.probabilities[FASSEG.index("skin"), 82, 80], 0.1, atol=0.02)
    with pytest.raises(ValueError, match="no mapping"):
        FaceParser(CentreDisc(), ParseOptions(detect=False), space="celebamask-hq")


def test_face_parser_takes_paths_pil_and_arrays_and_batches(tmp_path):
    parser = FaceParser(CentreDisc(), ParseOptions(detect=False))
    rgb = np.zeros((64, 64, 3), np.uint8)
    Image.fromarray(rgb).save(tmp_path / "a.png")
    inputs = [
        tmp_path / "a.png",
        Image.fromarray(rgb).convert("L"),
        rgb[:, :, 0],
        np.zeros((64, 64, 4), np.uint8),
        np.zeros((64, 64, 3), np.uint16),
    ]
    results = parser(inputs)
    assert len(results) == 5
    for r in results:  # --no-detect: the image is the crop, the disc is the centre
        assert r.labels[32, 32] == 6 and r.labels[2, 2] == 0
    assert results[0].source == str(tmp_path / "a.png")
    assert results[0].summary()["areas"]["nose"] == int((results[0].labels == 6).sum())
    with pytest.raises(ValueError, match="H×W"):
        parser(np.zeros((4, 4, 5), np.uint8))


def test_huge_images_are_parsed_smaller_and_labelled_at_full_size():
    # 48 Mpx is over the default pixel budget (40 Mpx): raised here, refused below
    parser = FaceParser(CentreDisc(), ParseOptions(detect=False, max_pixels=50_000_000))
    result = parser(np.zeros((8000, 6000, 3), np.uint8))
    assert result.labels.shape == (8000, 6000)
    assert result.probabilities.shape[1:] == (2048, 1536) and result.scale == 0.256
    assert result.labels[4000, 3000] == 6 and "max_side" in result.notes[-1]
    with pytest.raises(DataError, match="6000×8000 is over the 40 Mpx limit"):
        FaceParser(CentreDisc(), ParseOptions(detect=False))(np.zeros((8000, 6000, 3), np.uint8))


def test_shipped_default_parser_on_a_real_photo():
    from faceparse.labels import CELEBAMASK_HQ
    from faceparse.models.files import shipped
    from faceparse.parsing.catalog import SHIPPED_FILES

    assert len(SHIPPED_FILES) == 3
    for name in SHIPPED_FILES:
        assert shipped(name).stat().st_size < 10 * 2**20  # the limit: 10 MB each
    result = FaceParser.default()(data.astronaut())
    assert len(result.faces) == 1 and result.space is CELEBAMASK_HQ
    x0, y0, x1, y1 = result.faces[0].box
    assert 150 < (x0 + x1) / 2 < 260 and 60 < (y0 + y1) / 2 < 160  # her face, top middle
    areas = result.areas()
    for part in ("skin", "nose", "hair", "l_eye", "r_eye", "u_lip", "l_lip", "neck", "cloth"):
        assert areas[part] > 20, part
    assert areas["hat"] < 50 and areas["eye_g"] < 50  # she wears neither
    # the face parts lie around the face, not on the suit or the rocket
    parts = [CELEBAMASK_HQ.index(c) for c in ("nose", "l_eye")]
    ys, xs = np.nonzero(np.isin(result.labels, parts))
    assert x0 - 5 < xs.min() and xs.max() < x1 + 5 and y0 - 5 < ys.min() and ys.max() < y1 + 5
    # the neck is under the face, the suit (cloth) under the neck
    neck = np.nonzero(result.labels == CELEBAMASK_HQ.index("neck"))[0].mean()
    cloth = np.nonzero(result.labels == CELEBAMASK_HQ.index("cloth"))[0].mean()
    assert (y0 + y1) / 2 < neck < cloth
    lapa = FaceParser.load("lapa")(data.astronaut())
    assert lapa.space is LAPA and lapa.areas()["nose"] > 20


def test_depth_maps_reach_the_model_aligned_with_the_photo(tmp_path):
    model = DepthAware()
    parser = FaceParser(model, ParseOptions(detect=False))
    depth = np.zeros((32, 32), np.uint8)
    depth[:16] = 200  # top half near
    Image.fromarray(depth).save(tmp_path / "d.png")
    parser(np.zeros((64, 64, 3), np.uint8), depth=tmp_path / "d.png")  # half size: resized
    assert model.depth.shape == (1, 64, 64)
    assert model.depth[0, 10, 32] == 200 and model.depth[0, 50, 32] == 0
    result = parser(np.zeros((64, 64, 3), np.uint8), depth=np.zeros((64, 64), np.uint8))
    assert result.depth is not None and result.summary()["depth"] is True
    with pytest.raises(ValueError, match="uint8"):
        parser(np.zeros((64, 64, 3), np.uint8), depth=np.zeros((64, 64), np.float32))


def test_auto_depth_is_rendered_per_face_on_its_crop():
    class DiscRenderer:
        """Stands in for DepthRenderer: a near disc in the middle of whatever crop it gets."""

        def __init__(self):
            self.shapes = []

        def __call__(self, crop):
            self.shapes.append(crop.shape)
            d = np.zeros(crop.shape[:2], np.uint8)
            cv2.circle(d, (32, 32), 12, 200, -1)
            return d, None

    renderer = DiscRenderer()
    model = DepthAware()
    parser = FaceParser(model, ParseOptions(detect=False), depth_renderer=renderer)
    parser.detector = lambda img: [face_at(80, 80, 20), face_at(220, 100, 30)]
    result = parser(np.full((200, 300, 3), 90, np.uint8), depth="auto")
    assert renderer.shapes == [(64, 64, 3), (64, 64, 3)]  # one render per face, on its crop
    assert model.depth.shape == (2, 64, 64) and model.depth[:, 32, 32].tolist() == [200, 200]
    # the photo-level map holds both heads, each at its own face, and nothing elsewhere
    assert result.depth.shape == (200, 300)
    assert result.depth[82, 80] == 200 and result.depth[103, 220] == 200
    assert result.depth[190, 10] == 0 and result.depth[10, 150] == 0
    nothing = FaceParser(model, ParseOptions(detect=False), depth_renderer=renderer)
    nothing.detector = lambda img: []
    assert not nothing(np.zeros((50, 60, 3), np.uint8), depth="auto").depth.any()


@pytest.mark.skipif(
    not (SHARED / "models" / "ict_head_light.npz").is_file(),
    reason="the head model (../shared/models/ict_head_light.npz) is absent",
)
def test_auto_depth_fits_a_head_to_every_face_in_a_group_photo():
    pair = np.concatenate([data.astronaut(), data.astronaut()[:, ::-1]], axis=1)
    result = FaceParser.default()(pair, depth="auto")
    assert len(result.faces) == 2
    for face in result.faces:
        x0, y0, x1, y1 = (int(v) for v in face.box)
        assert (result.depth[y0:y1, x0:x1] > 0).mean() > 0.8  # each face has its own head
    assert result.depth[500:, :].max() == 0  # nothing on the suits far below the heads


def test_the_depth_parser_loads_only_when_depth_first_comes():
    parser = FaceParser.load("default", threads=1, options=ParseOptions(detect=False))
    assert parser.model.uses_depth and parser.model._depth is None
    parser(np.zeros((64, 64, 3), np.uint8))  # no depth: still not loaded
    assert parser.model._depth is None
    parser(np.zeros((64, 64, 3), np.uint8), depth=np.zeros((64, 64), np.uint8))
    assert parser.model._depth is not None and parser.model._depth.card.modality == "depth"


def test_a_list_is_parsed_in_one_network_call_with_the_same_labels():
    calls = []

    class Counting(CentreDisc):
        def predict(self, crops, depth=None):
            calls.append(len(crops))
            return super().predict(crops, depth)

    parser = FaceParser(Counting(), ParseOptions(detect=False))
    images = [np.zeros((40, 60, 3), np.uint8), np.zeros((64, 64, 3), np.uint8)]
    together = parser(images, space="fasseg")
    assert calls == [2]  # both photos' crops in one call
    alone = [parser(im, space="fasseg") for im in images]
    for a, b in zip(together, alone, strict=True):
        np.testing.assert_array_equal(a.labels, b.labels)
        assert a.space is FASSEG and a.labels.shape == b.labels.shape


def test_context_views_follow_a_head_beyond_its_crop_and_paste_back_exactly():
    from stand_ins import Bright

    image = np.zeros((400, 400, 3), np.uint8)
    yy, xx = np.mgrid[:400, :400]
    head = (yy - 220) ** 2 + (xx - 200) ** 2 < 120**2  # far larger than the face's 80 px crop
    image[head] = 200
    model = Bright()
    parser = FaceParser(model, ParseOptions(detect=False))
    parser.detector = lambda img: [face_at(200, 180, 20)]
    result = parser(image)
    # 80 px crop, then views of 128, 205 and 328 px (context crops at 7/8 of the model's size)
    assert model.sizes == [64, 56, 56, 56]
    assert [v.outside_of is None for v in result.crops] == [True, False, False, False]
    assert all(
        v.outside_of is prev for prev, v in zip(result.crops, result.crops[1:], strict=False)
    )
    skin = result.labels == LAPA.index("skin")
    # Every head pixel is labelled, up to one context-crop pixel (328 / 56 ≈ 6 px) at its edge.
    disc, band = head.astype(np.uint8), np.ones((15, 15), np.uint8)
    edge = (cv2.dilate(disc, band) > 0) & ~(cv2.erode(disc, band) > 0)
    assert (skin == head)[~edge].all()

    alone = FaceParser(Bright(), ParseOptions(detect=False, context_zoom=1))
    alone.detector = parser.detector
    cut = alone(image).labels == LAPA.index("skin")
    assert cut[head].mean() < 0.3  # the first crop alone holds under a third of the head


def test_no_context_view_where_the_head_ends_inside_the_crop_or_the_photo_ends():
    from stand_ins import Bright

    image = np.zeros((400, 400, 3), np.uint8)
    image[170:200, 185:215] = 200  # a small bright patch well inside the crop
    model = Bright()
    parser = FaceParser(model, ParseOptions(detect=False))
    parser.detector = lambda img: [face_at(200, 180, 20)]
    parser(image)
    assert model.sizes == [64]
    # bright up to the crop's edge, but the crop's edge lies outside the photo there
    small = np.full((60, 60, 3), 200, np.uint8)
    parser.detector = lambda img: [face_at(30, 28, 20)]
    model.sizes.clear()
    parser(small)
    assert model.sizes == [64]


@pytest.mark.parametrize(("label", "views"), [("neck", 1), ("cloth", 1), ("hair", 4)])
def test_only_the_head_itself_calls_for_context_views(label, views):
    """Neck and clothes run on to the photo's edge below most heads: they never call for a
    wider view; hair does."""
    from stand_ins import Bright

    from faceparse.labels import CELEBAMASK_HQ

    image = np.zeros((400, 400, 3), np.uint8)
    image[100:, 60:340] = 200  # reaches far past the 80 px crop, down to the photo's edge
    model = Bright(CELEBAMASK_HQ, label)
    parser = FaceParser(model, ParseOptions(detect=False))
    parser.detector = lambda img: [face_at(200, 180, 20)]
    parser(image)
    assert len(model.sizes) == views


class LeftThird(CentreDisc):
    """Calls the image-left third of every crop l_eye: a model that is not mirror-symmetric."""

    def predict(self, crops, depth=None):
        self.calls.append(crops.copy())
        p = np.zeros((len(crops), 11, 64, 64), np.float32)
        p[:, 0] = 1
        p[:, 0, :, :21], p[:, LAPA.index("l_eye"), :, :21] = 0, 1
        return [Probabilities(x) for x in p]


def test_flip_averages_each_view_with_its_mirror_image_sides_swapped_back():
    image = np.zeros((64, 64, 3), np.uint8)
    image[:, :32] = 200  # the mirrored crop must be the crop flipped left to right
    model = LeftThird()
    parser = FaceParser(model, ParseOptions(detect=False, flip=True, context_zoom=1.0))
    probs = parser(image).crops[0].probabilities
    assert len(model.calls) == 1 and len(model.calls[0]) == 2  # crop and mirror, one call
    assert (model.calls[0][1] == image[:, ::-1]).all()
    l_eye, r_eye = LAPA.index("l_eye"), LAPA.index("r_eye")
    assert probs[l_eye, 30, 5] == 0.5 and probs[0, 30, 5] == 0.5 and probs[r_eye, 30, 5] == 0
    assert probs[r_eye, 30, 60] == 0.5 and probs[l_eye, 30, 60] == 0
    assert probs[0, 30, 32] == 1


class LeftColumnLogits(CentreDisc):
    """A network stand-in: logits on a 16² grid for 64² crops, l_eye's logit 4 in the
    image-left column of cells."""

    def predict(self, crops, depth=None):
        logits = np.zeros((len(crops), 11, 16, 16), np.float32)
        logits[:, LAPA.index("l_eye"), :, 0] = 4
        return [Logits(x, 64) for x in logits]


def test_flip_averages_a_networks_logits_on_its_grid_sides_swapped_back():
    parser = FaceParser(LeftColumnLogits(), ParseOptions(detect=False, flip=True, context_zoom=1))
    scores = parser(np.zeros((64, 64, 3), np.uint8)).crops[0].scores
    l_eye, r_eye = LAPA.index("l_eye"), LAPA.index("r_eye")
    assert isinstance(scores, Logits) and scores.logits.shape == (11, 16, 16)
    assert scores.logits[l_eye, 5, 0] == 2 and scores.logits[r_eye, 5, 0] == 0
    assert scores.logits[r_eye, 5, 15] == 2 and scores.logits[l_eye, 5, 15] == 0
    assert scores.labels[30, 0] == l_eye and scores.labels[30, 63] == r_eye


def test_input_size_parses_the_same_framing_at_another_side():
    from stand_ins import Bright

    from faceparse.face.align import crop_box

    image = np.zeros((400, 400, 3), np.uint8)
    image[100:, 60:340] = 200  # a head going on past the crop: context views follow
    face = face_at(200, 180, 20)
    boxes = {}
    for side in (None, 96):
        model = Bright()
        parser = FaceParser(model, ParseOptions(detect=False, input_size=side))
        parser.detector = lambda img: [face]
        first = parser(image).crops[0]
        assert model.sizes[0] == (side or 64) == first.probabilities.shape[-1]
        assert model.sizes[1] == round(0.875 * 64)  # context views keep the parser's scale
        boxes[side] = crop_box(first.matrix, model.sizes[0], image.shape[:2])
    assert np.abs(np.subtract(boxes[None], boxes[96])).max() <= 1  # the same part of the photo


@pytest.mark.parametrize("side", [0, -64, 31, 4096])
def test_an_input_size_no_crop_can_have_is_refused(side):
    from faceparse.errors import ConfigError

    with pytest.raises(ConfigError, match=f"input_size is a side of 32 to 2048 px, got {side}"):
        ParseOptions(input_size=side)


def test_the_default_parser_names_sides_as_each_space_does_on_a_real_face():
    # the astronaut faces the camera: CelebAMask-HQ's l_eye (her left) lies on the image's
    # right, LaPa's l_eye on the image's left (issue #25)
    from faceparse.labels import CELEBAMASK_HQ, LAPA

    parser = FaceParser.default()
    photo = data.astronaut()
    for space, left_on_image_right in ((CELEBAMASK_HQ, True), (LAPA, False)):
        labels = parser(photo, space=space).labels
        for part in ("eye", "brow"):
            left_x = np.nonzero(labels == space.index(f"l_{part}"))[1]
            right_x = np.nonzero(labels == space.index(f"r_{part}"))[1]
            assert len(left_x) > 20 and len(right_x) > 20, (space.name, part)
            assert (left_x.mean() > right_x.mean()) == left_on_image_right, (space.name, part)


@pytest.mark.parametrize("fmt", ["GIF", "TIFF", "WEBP"])
def test_an_animated_or_multi_page_file_says_only_its_first_frame_was_parsed(tmp_path, fmt):
    from PIL import Image

    frames = [Image.fromarray(data.astronaut()).resize((128, 128)).rotate(a) for a in (0, 5, 10)]
    path = tmp_path / f"moving.{fmt.lower()}"
    frames[0].save(path, fmt, save_all=True, append_images=frames[1:])
    parser = FaceParser.load("landmarks", options=ParseOptions(detect=False))
    notes = parser(str(path)).notes
    assert "animated or multi-page image: frame 1 of 3 parsed" in " ".join(notes)
    still = tmp_path / "still.png"
    frames[0].save(still)
    assert not any("frame 1 of" in n for n in parser(str(still)).notes)


def test_a_detection_that_shows_no_face_parts_is_dropped_and_nothing_is_painted():
    # scikit-image's coffee: the detector finds a "face" on the saucer (score 0.52-0.57, no
    # eyes, nose or mouth); skin, hair and neck were painted over the cup (issue #25)
    parser = FaceParser.default()
    result = parser(data.coffee())
    assert result.faces == [] and not result.labels.any()
    assert "1 detection(s) dropped: no eyes, brows, nose or mouth" in " ".join(result.notes)
    kept = FaceParser.default(options=ParseOptions(require_face_parts=False))(data.coffee())
    assert len(kept.faces) == 1 and kept.labels.any()  # what it did before
    assert len(parser(data.astronaut()).faces) == 1  # a real face stays


def test_depth_auto_renders_with_the_fit_the_options_name():
    from faceparse.errors import UnknownNameError

    parser = FaceParser(DepthAware(), ParseOptions(detect=False, depth_fit="fused"))
    parser(np.full((64, 64, 3), 90, np.uint8), depth="auto")
    assert parser._depth_renderer.config.fit == "fused"
    assert parser._depth_renderer.robust is not None  # the shipped student was loaded
    with pytest.raises(UnknownNameError, match="depth fit"):
        ParseOptions(depth_fit="best")
