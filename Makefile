# Everything a fresh machine needs: `make demo` runs the main job, `make test` runs the tests.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# MediaPipe pulls OpenCV's desktop build, which needs the system's libGL and glib; the headless
# build of the same version provides the same cv2 module and needs neither (a slim machine works).
OPENCV_HEADLESS := opencv-contrib-python-headless==4.11.0.86
# Depth rendering's model files: a development checkout uses ../shared/models (the hair
# segmenter too); without it the mesh files shipped in the package serve.
ifneq ($(wildcard ../shared/models),)
export FACEPARSE_MODEL_DIR ?= $(abspath ../shared/models)
endif

.PHONY: install demo test lint format clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev,ray]'
	$(BIN)/pip uninstall --quiet --yes opencv-contrib-python
	$(BIN)/pip install --quiet --no-deps --force-reinstall $(OPENCV_HEADLESS)
	$(BIN)/python -c "import cv2, mediapipe" || { echo "OpenCV/MediaPipe do not load: see README, Set-up"; exit 1; }
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/faceparse demo --out demo-output

test: $(STAMP)
	$(BIN)/pytest -q

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/lint-imports

format: $(STAMP)
	$(BIN)/ruff format src tests benchmarks
	$(BIN)/ruff check --fix src tests benchmarks

clean:
	rm -rf $(VENV) demo-output
