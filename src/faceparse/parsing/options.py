"""How a photo is parsed: `ParseOptions`, the one home of every inference setting."""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import ConfigError, UnknownNameError
from ..face.align import HEAD_SHIFT
from ..face.robust_landmarks import FITS
from ..imageio import DEFAULT_MAX_PIXELS


@dataclass(frozen=True)
class ParseOptions:
    detect: bool = True  # False: every image is already one face crop
    zoom: float = 1.0  # crop side relative to the FFHQ framing
    # How far the crop's centre moves from the eyes towards the ears' midpoint (face.align).
    head_shift: float = HEAD_SHIFT
    # Larger photos are parsed at this longest side and the labels resized back: an 8000² photo
    # would otherwise need gigabytes of class probabilities.
    max_side: int = 2048
    # Inputs over this many pixels are refused from their header (imageio.DEFAULT_MAX_PIXELS).
    max_pixels: int | None = DEFAULT_MAX_PIXELS
    max_faces: int = 16
    # Where a face's labels reach its crop's edge inside the photo, the head goes on beyond the
    # crop: a view `context_zoom` times wider around the same centre is parsed as well and
    # labels only what the crop leaves out, and so on while the head still reaches the edge,
    # up to `max_views` views a face or one that holds the whole photo. 1 turns this off.
    context_zoom: float = 1.6
    max_views: int = 4
    # Side of the context views' crops, as a share of the model's: they label only what lies
    # beyond the first crop (hair, neck, the back of the head), where a coarser grid does; 7/8
    # (77% of the pixels) lost 0.0-0.3 points of head against full size on FASSEG's held-out
    # photos (docs/results/WHOLE_HEAD.md).
    context_scale: float = 0.875
    # Faces narrower than this (photo pixels) are listed as `too_small` and not parsed: at about
    # 40 px eyes already scored 0.38 F1 (issue #15's check of the parser shipped before it).
    min_face_px: int = 32
    # Side (pixels) at which each face's crop is parsed; None: the side the parser was trained
    # at. The crop frames the same part of the photo at any side, so a larger one shows the
    # network a larger face: the shipped parser, trained on faces scaled 0.8-1.2 of that side,
    # parses small parts better somewhat above it (docs/results/INPUT_SIZE.md). Context views
    # keep their own side (context_scale of the parser's).
    input_size: int | None = None
    # Also parse every view mirrored, left and right classes swapped back, and average the two:
    # more accurate, and the network runs on twice the crops (docs/results/MODELS.md).
    flip: bool = False
    # With detection: drop a detection whose crop shows no eyes, brows, nose or mouth
    # (views.MIN_FACE_PART_SHARE): a saucer, a wall, a blurred background (issue #25).
    require_face_parts: bool = True
    # `--depth auto`: the landmarks the rendered head is fitted to, as `DepthConfig.fit`:
    # mediapipe, robust or fused (occluded faces, docs/results/ROBUST_FIT.md).
    depth_fit: str = "mediapipe"

    def __post_init__(self):
        if self.depth_fit not in FITS:
            raise UnknownNameError("depth fit", self.depth_fit, FITS)
        # Above 2048 a crop's class probabilities alone take over 300 MB (19 float planes).
        if self.input_size is not None and not 32 <= self.input_size <= 2048:
            raise ConfigError(f"input_size is a side of 32 to 2048 px, got {self.input_size}")
