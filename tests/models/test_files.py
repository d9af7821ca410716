"""Tests of faceparse.models.files."""

from __future__ import annotations

import pytest
import torch

from faceparse.errors import ModelFileError
from faceparse.models.files import ParserCard, load_parser, offset_class_logits, save_parser


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
    with pytest.raises(ModelFileError, match="bad.safetensors"):
        load_parser(tmp_path / "bad.safetensors")
    from safetensors.torch import save_file

    save_file({"w": torch.zeros(2)}, str(tmp_path / "bare.safetensors"))
    with pytest.raises(ModelFileError, match="bare.safetensors: no parser description"):
        load_parser(tmp_path / "bare.safetensors")
    save_parser(net, ParserCard("student-lite0", "rgb", "lapa", 64), tmp_path / "wrong.safetensors")
    with pytest.raises(ModelFileError, match="do not fit student-lite0"):
        load_parser(tmp_path / "wrong.safetensors")


def test_a_class_logit_offset_moves_those_classes_only_and_is_written_in_the_card(tmp_path):
    from faceparse.models import build_parser

    net = build_parser("student", 11, 3).eval()
    source = save_parser(net, ParserCard("student", "rgb", "lapa", 64, "test"), tmp_path / "a")
    out = offset_class_logits(source, ("l_eye", "r_eye"), 1.5, tmp_path / "b.safetensors")
    before, _ = load_parser(source)
    after, card = load_parser(out)
    x = torch.randn(1, 3, 64, 64)
    with torch.no_grad():
        diff = (after(x) - before(x)).mean((0, 2, 3))
    expected = torch.zeros(11)
    expected[[4, 5]] = 1.5  # LaPa's l_eye and r_eye
    assert torch.allclose(diff, expected, atol=2e-3)  # float16 storage of the biases
    assert card.trained == "test; logits of l_eye, r_eye +1.5"
    bisenet = save_parser(
        build_parser("bisenet-light", 11, 3),
        ParserCard("bisenet-light", "rgb", "lapa", 64),
        tmp_path / "c",
    )
    with pytest.raises(ModelFileError, match="no classifier bias"):
        offset_class_logits(bisenet, ("l_eye",), 1.0, tmp_path / "d.safetensors")


def test_remapped_classifier_rows_start_from_the_class_each_converts_to():
    import torch

    from faceparse.labels import CELEBAMASK_HQ, LAPA
    from faceparse.models.files import remap_classes

    state = {
        "classify.weight": torch.arange(11.0)[:, None, None, None].repeat(1, 4, 1, 1),
        "classify.bias": torch.arange(11.0),
        "encoder.weight": torch.ones(7, 3),  # not per class: untouched
    }
    out = remap_classes(state, LAPA, CELEBAMASK_HQ)
    assert out["classify.weight"].shape == (19, 4, 1, 1) and out["encoder.weight"].shape == (7, 3)
    rows = out["classify.bias"].tolist()
    c = CELEBAMASK_HQ.index
    assert rows[c("l_ear")] == LAPA.index("skin") and rows[c("eye_g")] == LAPA.index("skin")
    assert rows[c("hat")] == 0 and rows[c("cloth")] == 0 and rows[c("neck")] == 0
    assert rows[c("mouth")] == LAPA.index("inner_mouth") and rows[c("hair")] == LAPA.index("hair")
    assert out["classify.weight"][c("nose"), 0, 0, 0] == LAPA.index("nose")


def test_a_checkpoint_carries_its_cards_and_one_without_them_still_loads(
    student_checkpoint, tmp_path
):
    from faceparse.models.files import checkpoint_networks

    state = torch.load(student_checkpoint, map_location="cpu", weights_only=False)
    assert state["cards"]["rgb"]["arch"] == "student" and state["cards"]["rgb"]["space"] == "lapa"
    assert state["cards"]["depth"]["modality"] == "depth"
    found = checkpoint_networks(student_checkpoint)
    _, card = found.parser("rgb")
    assert (card.arch, card.space, card.modality) == ("student", "lapa", "rgb")
    older = tmp_path / "older.pt"
    torch.save({k: v for k, v in state.items() if k != "cards"}, older)
    again = checkpoint_networks(older)
    assert again.parser("rgb")[1] == card and set(again.networks) == set(found.networks)
    x = torch.rand(1, 3, 64, 64)
    with torch.no_grad():
        assert torch.equal(found.network("rgb")(x), again.network("rgb")(x))
