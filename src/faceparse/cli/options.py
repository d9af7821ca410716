"""Help texts of options several commands share, so they say the same everywhere."""

DEVICE_HELP = "auto (a GPU when there is one), cpu or cuda[:N]."
BACKEND_HELP = "onnx (CPU; exported once, cached), torch, or auto: onnx on the CPU, torch on a GPU."
