"""Tests of faceparse.models.networks."""

from __future__ import annotations

import pytest
import torch

from faceparse.models import (
    PARSERS,
    PatchDiscriminator,
    UNetTranslator,
    build_parser,
)


@pytest.mark.parametrize("arch", list(PARSERS))
@pytest.mark.parametrize("channels", [3, 1])
def test_parsers_give_logits_at_input_size(arch, channels):
    model = build_parser(arch, 11, channels).eval()
    x = torch.randn(2, channels, 96, 64)
    with torch.no_grad():
        logits = model(x)
        main, aux = model(x, with_aux=True)
    assert logits.shape == (2, 11, 96, 64)
    assert torch.equal(logits, main)
    heads = 2 if arch.startswith("bisenet") else 0  # auxiliary heads are BiSeNet's
    assert [a.shape for a in aux] == [(2, 11, 96, 64)] * heads


def test_light_parser_is_about_a_quarter_of_the_r18_one():
    count = {a: sum(p.numel() for p in build_parser(a, 11).parameters()) for a in PARSERS}
    assert 12e6 < count["bisenet-r18"] < 15e6  # ResNet-18 (11.2 M without its classifier) + heads
    assert count["bisenet-light"] < 0.3 * count["bisenet-r18"]
    with pytest.raises(ValueError, match="unknown parser"):
        build_parser("unet", 11)


def test_translator_outputs_depth_in_unit_range_and_discriminator_patches():
    g, d = UNetTranslator(base=8).eval(), PatchDiscriminator(base=8).eval()
    with torch.no_grad():
        depth = g(torch.randn(2, 3, 64, 96))
        scores = d(torch.randn(2, 3, 64, 96), depth)
    assert depth.shape == (2, 1, 64, 96) and depth.min() >= 0 and depth.max() <= 1
    assert scores.shape[:2] == (2, 1) and scores.shape[2] < 64 / 4  # one score per patch
