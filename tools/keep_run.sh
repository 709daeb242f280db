#!/usr/bin/env bash
# Copy a run folder into results/ without its weights, checkpoints and lock file (the report, the
# IR, every stage's done.json and metrics.jsonl stay, so `nas report` can redraw it and
# `nas report A B C` can sweep it).
#   tools/keep_run.sh RUN_DIR DEST_DIR
set -euo pipefail
src=$1 dest=$2
mkdir -p "$dest"
(cd "$src" && find . -type f ! -name '*.safetensors' ! -name '.nas-lock' ! -path '*/checkpoint/*' -print0) |
  while IFS= read -r -d '' f; do
    mkdir -p "$dest/$(dirname "$f")"
    cp "$src/$f" "$dest/$f"
  done
