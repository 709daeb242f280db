#!/usr/bin/env bash
# CI's Python step: the exported ONNX models and the nas_torch package checked against nas's
# own outputs. Creates (once) a virtual environment from PyPI with python/requirements-ci.txt,
# kept between runs at $NAS_PYTHON_ENV (default ~/.cache/nas/python-ci) and rebuilt when the
# requirements change; installs python/nas_torch into it (pip, as a user would); then runs
# the ignored cli test `export_python`, which exports networks with the built `nas` and runs
# python/tests/check_export.py on them. Fails, never skips, without python3 and venv.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v python3 >/dev/null; then
  echo "error: python3 is not installed; the export checks need Python >= 3.9 with venv" >&2
  exit 1
fi
req=python/requirements-ci.txt
want="$(sha256sum "$req" | cut -d' ' -f1)"
env="${NAS_PYTHON_ENV:-${XDG_CACHE_HOME:-$HOME/.cache}/nas/python-ci}"
py="$env/bin/python"
if [ "$(cat "$env/.requirements" 2>/dev/null)" != "$want" ]; then
  echo "creating the Python environment $env from PyPI ($req)"
  start=$(date +%s)
  rm -rf "$env"
  python3 -m venv "$env"
  "$py" -m pip install --quiet --no-cache-dir -r "$req"
  echo "$want" >"$env/.requirements"
  echo "Python environment ready in $(($(date +%s) - start)) s"
fi
"$py" -m pip install --quiet --no-deps --no-build-isolation --force-reinstall ./python/nas_torch
NAS_PYTHON="$py" cargo test -p nas-cli --test cli export_python -- --ignored --nocapture
