"""Parsing photos: alignment and paste-back, the landmark parser, the FaceParser API, the batch
job with bad inputs, shipped weights."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest
import torch
from conftest import SHARED
from PIL import Image
from skimage import data

from faceparse.errors import DataError
from faceparse.face.align import crop_box, crop_matrix, paste_back, warp_to_crop
from faceparse.face.detect import Face
from faceparse.jobs.parse import ParseJobOptions, run_parse_job
from faceparse.jobs.pseudo_labels import fuse_with_coarse
from faceparse.labels import FASSEG, IGNORE_INDEX, LAPA
from faceparse.models.files import ParserCard, load_parser, save_parser
from faceparse.parsing import FaceParser, ParseOptions, landmark_labels
from faceparse.parsing.face_parser import _whole_image_face

TEACHER = SHARED / "models" / "skin_clothes_hair.onnx"


class CentreDisc:
    """A stand-in crop model: 'nose' in a disc at the crop centre, background elsewhere."""

    space = LAPA
    size = 64
    uses_depth = False

    def __init__(self):
        self.calls = []

    def predict(self, crops, depth=None):
        self.calls.append(crops.copy())
        p = np.zeros((len(crops), 11, 64, 64), np.float32)
        yy, xx = np.mgrid[:64, :64]
        disc = (yy - 32) ** 2 + (xx - 32) ** 2 < 10**2
        p[:, 6][:, disc] = 0.9
        p[:, 1][:, disc] = 0.1
        p[:, 0][:, ~disc] = 1
        return p


class DepthAware(CentreDisc):
    uses_depth = True

    def predict(self, crops, depth=None):
        self.depth = depth
        return super().predict(crops)


def _face(cx, cy, eye_dist):
    """Upright face keypoints: eyes eye_dist apart, mouth 1.1 × eye_dist below them."""
    eyes = np.array([[cx - eye_dist / 2, cy], [cx + eye_dist / 2, cy]])
    mouth = np.array([cx, cy + 1.1 * eye_dist])
    kps = np.vstack([eyes, [[cx, cy + 0.5 * eye_dist]], [mouth], eyes])
    return Face((cx - eye_dist, cy - eye_dist, cx + eye_dist, cy + 2 * eye_dist), 0.9, kps)


def test_crop_matrix_frames_the_head_upright_and_maps_back():
    face = _face(100, 80, 20)
    m = crop_matrix(face, 64)
    # side = max(2 × 20, 1.8 × 22) × 2 = 80 image px -> 64 crop px; eye midpoint 2.2 px above
    # the centre (0.1 × 22 px below the eyes is the centre)
    assert np.allclose(m[:, :2], np.eye(2) * 64 / 80)
    assert np.allclose(m @ [100, 80 + 2.2, 1], [32, 32])
    assert crop_box(m, 64, (200, 300)) == (60, 42, 140, 123)
    # a tilted face gives a rotation that makes the eye line horizontal
    angle = np.deg2rad(30)
    rot = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    tilted = Face(face.box, 1.0, (face.keypoints - [100, 80]) @ rot.T + [100, 80])
    mt = crop_matrix(tilted, 64)
    eyes = tilted.keypoints[:2] @ mt[:, :2].T + mt[:, 2]
    assert abs(eyes[0, 1] - eyes[1, 1]) < 1e-6 and eyes[0, 0] < eyes[1, 0]


def test_paste_back_inverts_the_crop():
    image_probs = np.zeros((2, 120, 160), np.float32)
    image_probs[1, 40:90, 60:110] = 1
    image_probs[0] = 1 - image_probs[1]
    m = crop_matrix(_face(85, 60, 25), 64)
    crop = np.stack([warp_to_crop(c, m, 64) for c in image_probs])
    box = crop_box(m, 64, (120, 160))
    back, inside = paste_back(crop, m, box)
    x0, y0, x1, y1 = box
    original = image_probs[:, y0:y1, x0:x1]
    agree = (back.argmax(0) == original.argmax(0))[inside]
    assert inside.mean() > 0.9 and agree.mean() > 0.98


def test_whole_image_face_crops_the_image_itself():
    m = crop_matrix(_whole_image_face(64, 64), 64)
    assert np.allclose(m, np.hstack([np.eye(2), np.zeros((2, 1))]), atol=1e-9)


def test_face_parser_pastes_each_face_back_and_converts_spaces():
    image = np.full((200, 300, 3), 90, np.uint8)
    model = CentreDisc()
    parser = FaceParser(model, ParseOptions(detect=False))
    parser.detector = lambda img: [_face(80, 80, 20), _face(220, 100, 30)]  # two known faces
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


def test_fusing_pseudo_labels_with_coarse_ground_truth():
    L, F = LAPA.index, FASSEG.index
    pseudo = np.array([[L("skin"), L("l_brow"), L("l_eye"), L("u_lip"), L("background")]], np.uint8)
    coarse = np.array([[F("nose"), F("hair"), F("skin"), F("mouth"), F("skin")]], np.uint8)
    fused = fuse_with_coarse(pseudo, coarse)
    # nose settled by truth; brow inside FASSEG hair kept; an eye on true skin -> skin;
    # lip inside mouth kept; skin the mesh calls background (neck) -> ignored
    assert fused.tolist() == [[L("nose"), L("l_brow"), L("skin"), L("u_lip"), IGNORE_INDEX]]


def test_weights_round_trip_in_float16(tmp_path):
    from faceparse.models import build_parser

    net = build_parser("student", 11, 3).eval()
    card = ParserCard("student", "rgb", "lapa", 64, "test")
    path = save_parser(net, card, tmp_path / "p.safetensors")
    loaded, card2 = load_parser(path)
    assert card2 == card
    x = torch.randn(1, 3, 64, 64)
    with torch.no_grad():
        assert torch.allclose(net.half().float()(x), loaded(x), atol=1e-3)
    (tmp_path / "bad.safetensors").write_bytes(b"garbage")
    with pytest.raises(ValueError, match="bad.safetensors"):
        load_parser(tmp_path / "bad.safetensors")
    from safetensors.torch import save_file

    save_file({"w": torch.zeros(2)}, str(tmp_path / "bare.safetensors"))
    with pytest.raises(ValueError, match="bare.safetensors: no parser description"):
        load_parser(tmp_path / "bare.safetensors")
    save_parser(net, ParserCard("student-lite0", "rgb", "lapa", 64), tmp_path / "wrong.safetensors")
    with pytest.raises(ValueError, match="do not fit student-lite0"):
        load_parser(tmp_path / "wrong.safetensors")


def test_landmark_parser_on_a_real_photo():
    pytest.importorskip("mediapipe")
    from faceparse.parsing import LandmarkParser

    image = data.astronaut()
    labels, found = LandmarkParser()(image)
    centre = {
        c: np.argwhere(labels == LAPA.index(c)).mean(0)
        for c in ("l_eye", "r_eye", "l_brow", "r_brow", "nose", "u_lip", "l_lip", "inner_mouth")
    }
    assert centre["l_eye"][1] < centre["r_eye"][1]  # LaPa's left is the image's left
    assert centre["l_brow"][0] < centre["l_eye"][0] < centre["nose"][0]
    assert centre["nose"][0] < centre["u_lip"][0] < centre["inner_mouth"][0] < centre["l_lip"][0]
    # the whole face is between 5% and 15% of the astronaut photo
    face = labels > 0
    assert 0.02 < face.mean() < 0.15
    # the pure geometry function gives the same labels from the same points
    assert np.array_equal(landmark_labels(found.points, image.shape[:2]), labels)


def test_parse_job_records_bad_inputs_goes_on_and_resumes(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    face = data.astronaut()
    Image.fromarray(face).save(src / "astro.jpg")
    (src / "corrupt.jpg").write_bytes(b"not a jpeg")
    (src / "empty.png").write_bytes(b"")
    (src / "broken.mp4").write_bytes(b"xxxx")
    upright = Image.fromarray(np.rot90(face).copy())  # stored turned left; EXIF 6: turn right
    exif = upright.getexif()
    exif[0x0112] = 6
    upright.save(src / "exif.jpg", exif=exif)
    writer = cv2.VideoWriter(str(src / "clip.mp4"), cv2.VideoWriter_fourcc(*"mp4v"), 5, (128, 128))
    for _ in range(3):
        writer.write(np.zeros((128, 128, 3), np.uint8))
    writer.release()
    parser = FaceParser(CentreDisc(), ParseOptions(detect=False))
    options = ParseJobOptions(tmp_path / "out", masks=True)
    report = run_parse_job(parser, [str(src), str(tmp_path / "missing.png")], options)
    status = {e["input"].split("/")[-1]: e["status"] for e in report["inputs"]}
    assert "empty file" in [e for e in report["inputs"] if "empty" in e["input"]][0]["reason"]
    assert status == {
        "missing.png": "failed",
        "astro.jpg": "ok",
        "broken.mp4": "failed",
        "clip.mp4": "ok",
        "corrupt.jpg": "failed",
        "empty.png": "failed",
        "exif.jpg": "ok",
    }
    out = tmp_path / "out"
    labels = np.asarray(Image.open(out / "astro.labels.png"))
    assert labels.shape == (512, 512) and labels[256, 256] == 6
    assert (out / "astro.masks" / "nose.png").is_file() and (out / "astro.overlay.png").is_file()
    overlay = np.asarray(Image.open(out / "exif.overlay.png")).astype(int)
    upright_pixels = overlay[labels == 0] - face[labels == 0]  # background keeps the photo
    assert np.abs(upright_pixels).mean() < 8  # EXIF applied: the overlay is the upright photo
    video = json.loads((out / "clip.json").read_text())
    assert video["frames_parsed"] == 3 and (out / "clip.overlay.mp4").stat().st_size > 0
    assert json.loads((out / "report.json").read_text())["counts"]["failed"] == 4
    again = run_parse_job(parser, [str(src)], options)
    assert again["counts"] == {"done_before": 3, "failed": 3}


def test_shipped_default_parser_on_a_real_photo():
    from faceparse.models.files import shipped
    from faceparse.parsing.face_parser import DEFAULT_DEPTH, DEFAULT_RGB

    for name in (DEFAULT_RGB, DEFAULT_DEPTH):
        assert shipped(name).stat().st_size < 10 * 2**20  # the limit: 10 MB each
    result = FaceParser.default()(data.astronaut())
    assert len(result.faces) == 1 and result.space is LAPA
    x0, y0, x1, y1 = result.faces[0].box
    assert 150 < (x0 + x1) / 2 < 260 and 60 < (y0 + y1) / 2 < 160  # her face, top middle
    areas = result.areas()
    for part in ("skin", "nose", "hair", "l_eye", "r_eye", "u_lip", "l_lip"):
        assert areas[part] > 20, part
    # everything labelled lies around the face, not on the suit or the rocket
    ys, xs = np.nonzero(np.isin(result.labels, [LAPA.index(c) for c in ("nose", "l_eye")]))
    assert x0 - 5 < xs.min() and xs.max() < x1 + 5 and y0 - 5 < ys.min() and ys.max() < y1 + 5


def test_export_writes_a_parser_file_the_cli_can_use(tmp_path):
    from test_training import tiny
    from typer.testing import CliRunner

    from faceparse.cli import app
    from faceparse.training.trainer import Trainer

    cfg = tiny(tmp_path, "mode=rgb", "optim.steps=1", "data.val_split=null", "model.parser=student")
    Trainer(cfg).fit()
    parser_file = tmp_path / "p.safetensors"
    res = CliRunner().invoke(
        app, ["export", f"{cfg.out}/last.pt", "--safetensors", str(parser_file)]
    )
    assert res.exit_code == 0, res.output
    net, card = load_parser(parser_file)
    assert (card.arch, card.modality, card.space, card.size) == ("student", "rgb", "lapa", 64)
    Image.fromarray(np.zeros((64, 64, 3), np.uint8)).save(tmp_path / "crop.png")
    args = [
        "parse",
        str(tmp_path / "crop.png"),
        "--no-detect",
        "--model",
        str(parser_file),
        "-o",
        str(tmp_path / "out"),
    ]
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.output
    assert np.asarray(Image.open(tmp_path / "out" / "crop.labels.png")).shape == (64, 64)
    res = CliRunner().invoke(app, ["parse", str(tmp_path / "crop.png"), "--model", "nope.bin"])
    assert res.exit_code != 0 and "nope.bin" in " ".join(res.output.split())


def test_small_faces_are_found_by_tiles_and_flagged():
    from faceparse.face.detect import FaceDetector, _merge

    a, b = _face(50, 50, 10), _face(51, 50, 10)
    assert len(_merge([a, b.shifted(100, 0), b])) == 2  # the near-copy is suppressed
    canvas = np.full((480, 640, 3), 200, np.uint8)
    canvas[100:260, 200:360] = cv2.resize(
        data.astronaut(), (160, 160), interpolation=cv2.INTER_AREA
    )
    detector = FaceDetector()
    assert detector._detect(canvas) == []  # too small for the whole-image pass
    faces = detector(canvas)
    assert len(faces) == 1
    x0, y0, x1, y1 = faces[0].box
    assert 240 < (x0 + x1) / 2 < 290 and 110 < (y0 + y1) / 2 < 160  # her face in the thumbnail
    result = FaceParser(CentreDisc(), ParseOptions())(canvas)
    assert result.summary()["faces"][0]["small"] is True


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
    parser.detector = lambda img: [_face(80, 80, 20), _face(220, 100, 30)]
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


def test_video_frames_out_as_label_pngs(tmp_path):
    writer = cv2.VideoWriter(str(tmp_path / "v.mp4"), cv2.VideoWriter_fourcc(*"mp4v"), 5, (64, 64))
    for _ in range(4):
        writer.write(np.zeros((64, 64, 3), np.uint8))
    writer.release()
    parser = FaceParser(CentreDisc(), ParseOptions(detect=False))
    options = ParseJobOptions(tmp_path / "out", frames=True, frame_step=2)
    report = run_parse_job(parser, [str(tmp_path / "v.mp4")], options)
    assert report["counts"] == {"ok": 1}
    frames = sorted((tmp_path / "out" / "v.frames").iterdir())
    assert [f.name for f in frames] == ["000000.png", "000002.png"]  # every 2nd of 4 frames
    assert np.asarray(Image.open(frames[0]))[32, 32] == 6


def test_pseudo_label_job_records_bad_photos_goes_on_and_resumes(tmp_path):
    from faceparse.datasets import FolderDataset
    from faceparse.jobs.pseudo_labels import celeb1k_sources, make_training_crops

    root = tmp_path / "celeb1k"
    (root / "train" / "images").mkdir(parents=True)
    (root / "train" / "hair").mkdir()
    Image.fromarray(data.astronaut()).save(root / "train" / "images" / "1.jpg")
    hair = np.zeros((512, 512), np.uint8)
    hair[20:90, 170:280] = 255
    Image.fromarray(hair).save(root / "train" / "hair" / "1_hair.png")
    Image.fromarray(np.full((64, 64, 3), 128, np.uint8)).save(root / "train" / "images" / "2.jpg")
    Image.fromarray(hair[:64, :64]).save(root / "train" / "hair" / "2_hair.png")
    (root / "train" / "images" / "3.jpg").write_bytes(b"broken")
    Image.fromarray(hair).save(root / "train" / "hair" / "3_hair.png")
    Image.fromarray(data.astronaut()).save(root / "train" / "images" / "4.jpg")  # no hair mask
    out = tmp_path / "crops"
    counts = make_training_crops(celeb1k_sources(root, ["train"]), out, None, size=64)
    assert counts == {"written": 1, "kept": 0, "no_face": 1, "failed": 2}
    manifest = [json.loads(x) for x in (out / "manifest.jsonl").read_text().splitlines()]
    reasons = {e["name"]: e.get("reason", "") for e in manifest if e["status"] == "failed"}
    assert set(reasons) == {"3.jpg", "4_hair.png"} and "file not found" in reasons["4_hair.png"]
    crops = FolderDataset(out, "train")
    assert [s.name for s in crops] == ["celeb1k_1"]
    label = crops[0].label
    assert label.shape == (64, 64) and (label == LAPA.index("hair")).any()
    assert (label == LAPA.index("nose")).sum() > 0
    again = make_training_crops(celeb1k_sources(root, ["train"]), out, None, size=64)
    assert again["kept"] == 2 and again["written"] == 0
