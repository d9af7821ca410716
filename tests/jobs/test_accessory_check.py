import numpy as np
from cartoon_faces import face_labels

from faceparse.jobs.accessory_check import accessory_scores, check_set
from faceparse.labels import CELEBAMASK_HQ

C = CELEBAMASK_HQ.index


def _face():
    return "face", np.full((128, 128, 3), 120, np.uint8), face_labels(ears=False)


def test_the_check_set_is_reproducible_and_skips_what_cannot_be_placed():
    a, b = check_set([_face()]), check_set([_face()])
    assert [c.kind for c in a] == ["glasses", "sunglasses", "hat", "necklace"]  # no ears
    assert all(np.array_equal(x.image, y.image) for x, y in zip(a, b, strict=True))


def test_scores_are_pixel_f1_of_the_accessory_class():
    crops = check_set([_face()])
    perfect = accessory_scores(lambda ims: np.stack([c.labels for c in crops]), crops)
    assert perfect["hat"]["f1"] == 1.0 and perfect["earring"]["faces"] == 0
    nothing = accessory_scores(lambda ims: np.zeros(ims.shape[:3], np.uint8), crops)
    assert nothing["glasses"]["f1"] == 0.0 and nothing["glasses"]["recall"] == 0.0
    # Half the hat's pixels found, nothing else called hat: precision 1, recall 1/2, F1 2/3.
    hat = next(i for i, c in enumerate(crops) if c.kind == "hat")

    def half(ims):
        out = np.stack([c.labels for c in crops])
        ys, xs = np.nonzero(out[hat] == C("hat"))
        out[hat, ys[: len(ys) // 2], xs[: len(xs) // 2]] = 0
        return out

    s = accessory_scores(half, crops, batch_size=len(crops))["hat"]
    assert s["precision"] == 1.0 and abs(s["recall"] - 0.5) < 0.01 and abs(s["f1"] - 2 / 3) < 0.01
