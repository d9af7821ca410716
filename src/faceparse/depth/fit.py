"""Fitting 3D face models to MediaPipe landmarks: a similarity pose (Umeyama), then identity and
expression weights of the ICT head by bounded, regularised linear least squares, alternated.

Coordinates: landmarks are in pixels with x right, y down, z away from the camera. Model vertices
(y up, z towards the viewer) are turned into that frame by flipping y and z before the pose.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .mesh_files import AXIS_FLIP, HeadModel

# MediaPipe's z is a weaker estimate than its x, y: it counts half in every fit.
_Z_WEIGHT = 0.5


@dataclass(frozen=True)
class Similarity:
    scale: float
    rotation: np.ndarray  # (3, 3)
    translation: np.ndarray  # (3,)

    def apply(self, points: np.ndarray) -> np.ndarray:
        return self.scale * points @ self.rotation.T + self.translation


def umeyama(src: np.ndarray, dst: np.ndarray, weights: np.ndarray | None = None) -> Similarity:
    """Least-squares similarity with dst ≈ s R src + t (Umeyama 1991), optional per-axis weights."""
    if weights is not None:
        src, dst = src * weights, dst * weights
    mu_s, mu_d = src.mean(0), dst.mean(0)
    a, b = src - mu_s, dst - mu_d
    cov = b.T @ a / len(src)
    u, d, vt = np.linalg.svd(cov)
    sign = np.ones(3)
    if np.linalg.det(u) * np.linalg.det(vt) < 0:
        sign[-1] = -1.0
    rot = u @ np.diag(sign) @ vt
    scale = float((d * sign).sum() / a.var(0).sum())
    t = mu_d - scale * rot @ mu_s
    if weights is not None:  # undo the axis weighting of the translation
        t = t / weights
    return Similarity(scale, rot, t)


def bounded_ridge(
    ata: np.ndarray, atb: np.ndarray, reg: np.ndarray, lower: np.ndarray, upper: np.ndarray
) -> np.ndarray:
    """argmin |Ac - b|² + Σ reg·c² subject to lower ≤ c ≤ upper, from the normal equations.

    Active set: solve, pin the coefficients that leave their box to the bound, re-solve the rest.
    Exact when the pinned set is right, which a few rounds find for this well-conditioned problem
    (a general solver such as scipy's BVLS costs ~100× more here).
    """
    n = len(atb)
    h = ata + np.diag(reg)
    fixed = np.zeros(n, bool)
    c = np.zeros(n)
    for _ in range(6):
        free = ~fixed
        rhs = atb[free] - h[np.ix_(free, fixed)] @ c[fixed]
        c[free] = np.linalg.solve(h[np.ix_(free, free)], rhs)
        out = free & ((c < lower) | (c > upper))
        if not out.any():
            break
        c = np.clip(c, lower, upper)
        fixed |= out
    return np.clip(c, lower, upper)


@dataclass(frozen=True)
class HeadFit:
    pose: Similarity
    identity: np.ndarray  # (K,)
    expression: np.ndarray  # (E,)
    reprojection_px: float  # median 2D distance landmark <-> fitted model point

    def vertices(self, model: HeadModel) -> np.ndarray:
        """All model vertices in the image frame (pixels; z away from the camera)."""
        shape = (
            model.mean
            + np.tensordot(self.identity, model.identity, 1)
            + np.tensordot(self.expression, model.expression, 1)
        )
        return self.pose.apply(shape * AXIS_FLIP)


def fit_head(
    model: HeadModel,
    landmarks: np.ndarray,
    iterations: int = 3,
    identity_reg: float = 1.0,
    expression_reg: float = 0.5,
    identity_bound: float = 3.0,
) -> HeadFit:
    """Fit pose, identity (bounded ±identity_bound) and expression (0..1) to 468 landmarks."""
    w = np.array([1.0, 1.0, _Z_WEIGHT])
    mean_l, basis = model.landmark_mean, model.landmark_basis  # (468,3), (K+E,468,3), flipped
    k, e = len(model.identity), len(model.expression)
    lower = np.concatenate([np.full(k, -identity_bound), np.zeros(e)])
    upper = np.concatenate([np.full(k, identity_bound), np.ones(e)])
    reg = np.concatenate([np.full(k, identity_reg), np.full(e, expression_reg)])
    coef = np.zeros(k + e)
    for _ in range(iterations):
        pose = umeyama(mean_l + np.tensordot(coef, basis, 1), landmarks, w)
        # landmarks ≈ s R (mean + B c) + t  ->  (s R B) c ≈ landmarks - t - s R mean, per axis w
        a = ((pose.scale * basis @ pose.rotation.T) * w).reshape(len(basis), -1).T
        rhs = ((landmarks - pose.apply(mean_l)) * w).ravel()
        # Regularise in units of the landmark scale, so the prior does not depend on image size.
        coef = bounded_ridge(a.T @ a, a.T @ rhs, reg * pose.scale**2, lower, upper)
    alpha, beta = coef[:k], coef[k:]
    shape_l = mean_l + np.tensordot(coef, basis, 1)
    pose = umeyama(shape_l, landmarks, w)
    err = np.linalg.norm(pose.apply(shape_l)[:, :2] - landmarks[:, :2], axis=1)
    return HeadFit(pose, alpha, beta, float(np.median(err)))
