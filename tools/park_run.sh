#!/usr/bin/env bash
# Park an unfinished run folder in the repository so that a later session can resume it:
# everything is copied, checkpoints and weights included (keep_run.sh drops those).
# Stop the run with Ctrl-C (SIGINT) first: the stage then writes a checkpoint where it is.
#   tools/park_run.sh RUN_DIR DEST_DIR
# To resume, copy it back out of the repository and run with --resume, e.g.
#   cp -r DEST_DIR /work/exp/run && nas run FILE --pipeline P --resume --out /work/exp/run
set -euo pipefail
src=$1 dest=$2
if [ -e "$dest" ]; then
  echo "park_run: $dest exists; remove it first" >&2
  exit 1
fi
if pgrep -f -- "--out $src( |$)" >/dev/null; then
  echo "park_run: a run is still writing $src; stop it with SIGINT first" >&2
  exit 1
fi
mkdir -p "$(dirname "$dest")"
cp -r "$src" "$dest"
chmod -R u+rw,go+r "$dest"
du -sh "$dest"
