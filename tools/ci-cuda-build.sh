#!/usr/bin/env bash
# CI's CUDA step: the toolchain from PyPI (tools/cuda-toolchain.sh, cached between runs), then
# `cargo build --features cuda -p nas-cli`, so that a change that breaks the GPU path (the
# cuda feature of the engine, the interpreter or the CLI, or candle's CUDA kernels) fails CI.
# There is no GPU in CI: this compiles and links (against the driver's link stub); it runs
# nothing on a GPU.
#
# The dev profile in the default target folder, not release: dependencies are built at
# opt-level 3 in both (Cargo.toml), candle's kernels go through the same nvcc command in both,
# and our own crates build faster at the dev profile's opt-level 1. Little is shared with
# the steps before it: clippy and doc only check, and the test builds unify the features of
# dev-dependencies, so a plain build hashes most dependencies differently.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
envfile="$(tools/cuda-toolchain.sh)"
# shellcheck source=/dev/null
source "$envfile"
echo "toolchain ready in $(($(date +%s) - start)) s: $(nvcc --version | grep release), CUDA_COMPUTE_CAP=$CUDA_COMPUTE_CAP"
build=$(date +%s)
cargo build --features cuda -p nas-cli
echo "cuda build in $(($(date +%s) - build)) s (toolchain and build: $(($(date +%s) - start)) s)"
