"""ONNX export of trained networks (dynamic batch and size), and int8 post-training quantisation.

Beside `OUT.onnx` goes `OUT.onnx.json`: what the network expects and returns (modality, input
size, normalisation, label space), so an ONNX file is usable without its checkpoint.
"""

from __future__ import annotations

import json
import tempfile
import warnings
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import torch

from ..errors import ModelFileError
from ..imageio import atomic_open, write_text_atomic

OPSET = 17


def export_onnx(
    model: torch.nn.Module,
    path: str | Path,
    in_channels: int,
    size: int,
    metadata: dict | None = None,
    output_name: str = "logits",
    spatial: bool = True,
) -> Path:
    """Write `model` (eval mode, fp32) as ONNX with dynamic batch, height and width,
    atomically; `spatial=False` fixes the input size (a network that regresses, not maps)."""
    path = Path(path)
    model = model.eval().float()  # parsers return logits only unless asked for aux heads
    example = torch.zeros(1, in_channels, size, size)
    with tempfile.TemporaryDirectory() as tmp:
        tmp_file = Path(tmp) / "model.onnx"
        # The TorchScript-based exporter: the dynamo one needs onnxscript and a newer onnx,
        # whose protobuf >= 6 breaks mediapipe 0.10.21. Its tracer notes each Python-side
        # branch (fixed for inference), which says nothing to the user.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                model,
                (example,),
                str(tmp_file),
                input_names=["input"],
                output_names=[output_name],
                # Height and width are free too: context views are parsed at a smaller size.
                dynamic_axes={
                    "input": {0: "batch", 2: "height", 3: "width"} if spatial else {0: "batch"},
                    output_name: {0: "batch", 2: "height", 3: "width"} if spatial else {0: "batch"},
                },
                opset_version=OPSET,
                dynamo=False,
            )
        with atomic_open(path) as f:
            f.write(tmp_file.read_bytes())
    meta = {"input": [in_channels, size, size], "output": output_name, **(metadata or {})}
    write_text_atomic(path.with_suffix(path.suffix + ".json"), json.dumps(meta, indent=2))
    return path


class _Calibration:
    """onnxruntime's CalibrationDataReader protocol over a list of input batches."""

    def __init__(self, batches: Iterable[np.ndarray]):
        self._it = iter([{"input": b.astype(np.float32)} for b in batches])

    def get_next(self):
        return next(self._it, None)


def quantize_int8(
    src: str | Path,
    dst: str | Path,
    calibration: Iterable[np.ndarray],
    float_ops: tuple[str, ...] = (),
) -> Path:
    """Static int8 quantisation (QDQ, per-channel weights, calibrated activations): on CPU the
    convolutions then run in int8, which dynamic quantisation does not do for conv nets. The
    last convolution (a parser's classifier) stays float: one 8-bit scale over every class's
    logits would coarsen the small margins between classes at their borders. Nodes of the
    `float_ops` types stay float too (a regressor's fully connected head: its outputs are
    coordinates, where one 8-bit step is a visible error)."""
    import onnx
    from onnxruntime.quantization import CalibrationMethod, QuantFormat, QuantType, quantize_static
    from onnxruntime.quantization.shape_inference import quant_pre_process

    dst = Path(dst)
    with tempfile.TemporaryDirectory() as tmp:
        prepared = Path(tmp) / "prepared.onnx"
        # symbolic shape inference fails on BiSeNet's size-from-shape resizes; ONNX's own
        # shape inference is enough for quantisation
        quant_pre_process(str(src), str(prepared), skip_symbolic_shape=True)
        out = Path(tmp) / "int8.onnx"
        nodes = onnx.load(str(prepared)).graph.node
        convs = [n.name for n in nodes if n.op_type == "Conv"]
        kept_float = convs[-1:] + [n.name for n in nodes if n.op_type in float_ops]
        quantize_static(
            str(prepared),
            str(out),
            _Calibration(calibration),
            quant_format=QuantFormat.QDQ,
            per_channel=True,
            activation_type=QuantType.QUInt8,
            weight_type=QuantType.QInt8,
            calibrate_method=CalibrationMethod.MinMax,
            nodes_to_exclude=kept_float,
        )
        with atomic_open(dst) as f:
            f.write(out.read_bytes())
    meta_src = Path(str(src) + ".json")
    if meta_src.is_file():
        meta = {**json.loads(meta_src.read_text()), "quantization": "int8 static QDQ"}
        write_text_atomic(Path(str(dst) + ".json"), json.dumps(meta, indent=2))
    return dst


def onnx_session(path: str | Path, threads: int | None = None):
    """An onnxruntime CPU session; a file it cannot load is a ModelFileError naming it."""
    import onnxruntime as ort

    opts = ort.SessionOptions()
    if threads:
        opts.intra_op_num_threads = threads
    try:
        return ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
    except Exception as e:  # several types, from onnxruntime's private bindings module
        raise ModelFileError(f"{path}: not a loadable ONNX model ({e})") from e


class OnnxParser(torch.nn.Module):
    """An exported parser behind the PyTorch call convention (logits tensor out), so evaluation
    and distillation code takes it like any model."""

    def __init__(self, path: str | Path, threads: int | None = None):
        super().__init__()
        self.session = onnx_session(path, threads)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.session.run(None, {"input": x.detach().cpu().float().numpy()})[0]
        return torch.from_numpy(out).to(x.device)
