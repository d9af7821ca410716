"""Tests of faceparse.depth.fit."""

from __future__ import annotations

import numpy as np
import pytest

from faceparse.depth.fit import bounded_ridge, umeyama


def test_umeyama_recovers_a_similarity():
    rng = np.random.default_rng(0)
    src = rng.normal(size=(50, 3))
    angle = 0.4
    rot = np.array(
        [[np.cos(angle), -np.sin(angle), 0], [np.sin(angle), np.cos(angle), 0], [0, 0, 1]]
    )
    dst = 2.5 * src @ rot.T + [3, -1, 2]
    pose = umeyama(src, dst)
    assert pose.scale == pytest.approx(2.5)
    np.testing.assert_allclose(pose.rotation, rot, atol=1e-9)
    np.testing.assert_allclose(pose.apply(src), dst, atol=1e-9)


def test_bounded_ridge_respects_bounds_and_matches_unbounded_inside():
    rng = np.random.default_rng(1)
    a = rng.normal(size=(40, 5))
    b = a @ np.array([0.5, -0.2, 3.0, 0.1, -4.0])
    c = bounded_ridge(a.T @ a, a.T @ b, np.zeros(5), np.full(5, -10.0), np.full(5, 10.0))
    np.testing.assert_allclose(c, [0.5, -0.2, 3.0, 0.1, -4.0], atol=1e-9)
    c = bounded_ridge(a.T @ a, a.T @ b, np.zeros(5), np.full(5, -1.0), np.full(5, 1.0))
    assert (c <= 1).all() and (c >= -1).all() and c[2] == 1 and c[4] == -1
