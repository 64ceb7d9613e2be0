#!/usr/bin/env bash
# One-command setup: a virtual environment in .venv with EigenDSL and its training and dev extras.
# torch comes first from the pinned CPU build so that nothing pulls a CUDA build on top of it.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet "torch==2.13.0"
.venv/bin/python -m pip install --quiet -e ".[train,dev]"
