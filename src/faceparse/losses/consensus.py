"""Consensus loss (Masi, Mathai, AbdAlmageed, CVPR 2020): every connected region ("blob") of a
label in the ground truth should be predicted as one consistent whole.

For blob B with label c and pixel predictions p_i (softmax), with the blob's mean prediction
p̄_B = mean_{i∈B} p_i:

    L_B = α · (−log p̄_B[c])  +  β · mean_{i∈B} KL(p̄_B ‖ p_i)

and the loss is the plain mean of L_B over all blobs of the batch, so a small blob (an eye)
weighs as much as a large one (the skin). Blobs are 8-connected components of each label id;
ignored pixels belong to none.

Two differences from the official code (`structure_via_consensus`), both deliberate:
* KL scale. Here KL is the true divergence, summed over the C classes; the official code takes
  torch's element-wise mean, i.e. KL / C. So `beta` here = official β / C gives its loss
  (with C = 19 and the paper's β = 5, beta = 0.263); tests/losses check the factor.
* Grouping. Blobs are numbered per image and never merged across the batch; the official code
  pools the pixels of equal blob ids from different images of a batch into one blob, which
  ties unrelated regions of unrelated faces together.
"""

from __future__ import annotations

import cv2
import numpy as np
import torch
import torch.nn.functional as F

from ..labels import IGNORE_INDEX
from .base import ParserOutputs


def label_blobs(
    labels: np.ndarray, ignore_index: int = IGNORE_INDEX
) -> tuple[np.ndarray, np.ndarray]:
    """B×H×W ids -> (blob id per pixel, −1 where ignored; label of each blob). Blob ids are
    numbered across the whole batch."""
    blob_map = np.full(labels.shape, -1, np.int64)
    blob_labels: list[int] = []
    for b, image in enumerate(labels):
        for c in np.unique(image):
            if c == ignore_index:
                continue
            n, comp = cv2.connectedComponents((image == c).astype(np.uint8), connectivity=8)
            inside = comp > 0
            blob_map[b][inside] = comp[inside] - 1 + len(blob_labels)
            blob_labels.extend([int(c)] * (n - 1))
    return blob_map, np.asarray(blob_labels, np.int64)


def consensus_loss(
    logits: torch.Tensor, labels: torch.Tensor, alpha: float = 10.0, beta: float = 5.0
) -> torch.Tensor:
    blob_map, blob_labels = label_blobs(labels.cpu().numpy())
    if blob_labels.size == 0:
        return logits.sum() * 0.0
    n_blobs, c = len(blob_labels), logits.shape[1]
    log_p = F.log_softmax(logits.float(), 1).permute(0, 2, 3, 1).reshape(-1, c)
    ids = torch.from_numpy(blob_map.reshape(-1)).to(logits.device)
    keep = ids >= 0
    log_p, ids = log_p[keep], ids[keep]
    counts = torch.zeros(n_blobs, device=logits.device).index_add_(
        0, ids, torch.ones_like(ids, dtype=torch.float32)
    )
    mean_p = torch.zeros(n_blobs, c, device=logits.device).index_add_(0, ids, log_p.exp())
    mean_p = mean_p / counts[:, None]
    log_mean = mean_p.clamp_min(1e-8).log()
    target = torch.from_numpy(blob_labels).to(logits.device)
    nll = -log_mean.gather(1, target[:, None]).squeeze(1)
    kl_pixel = (mean_p[ids] * (log_mean[ids] - log_p)).sum(1)
    kl_blob = torch.zeros(n_blobs, device=logits.device).index_add_(0, ids, kl_pixel) / counts
    return (alpha * nll + beta * kl_blob).mean()


class ConsensusLoss:
    def __init__(self, alpha: float = 10.0, beta: float = 5.0):
        self.alpha, self.beta = alpha, beta

    def __call__(self, out: ParserOutputs) -> torch.Tensor:
        return consensus_loss(out.logits, out.labels, self.alpha, self.beta)
