"""Tests of faceparse.models.receptive_field."""

from __future__ import annotations

import torch

from faceparse.models import (
    build_parser,
    receptive_field,
)


def test_receptive_field_by_hand_and_of_our_parsers():
    conv = torch.nn.Conv2d
    assert receptive_field(conv(3, 1, 3, padding=1), probe=32).height == 3
    two = torch.nn.Sequential(conv(3, 4, 3, padding=1), torch.nn.ReLU(), conv(4, 1, 3, padding=1))
    assert receptive_field(two, probe=32).width == 5
    # a stride-2 layer doubles the reach of the next: 3 + 2 × (3 − 1) = 7
    strided = torch.nn.Sequential(conv(3, 4, 3, 2, 1), conv(4, 1, 3, 1, 1))
    assert receptive_field(strided, probe=32).height in (7, 8)  # 8 when the centre is odd-aligned
    student = receptive_field(build_parser("student", 11), probe=512)
    assert not student.is_global and 1.0 < student.relative_to(256) < 1.5  # ~a 256² face crop
    assert receptive_field(build_parser("bisenet-light", 11), probe=256).is_global  # global pool
