#!/usr/bin/env bash
# CI's CUDA step: the toolchain from PyPI (tools/cuda-toolchain.sh, cached between runs), then
# `cargo build --features cuda -p nas-cli`, so that a change that breaks the GPU path (the
# cuda feature of the engine, the interpreter or the CLI, or candle's CUDA kernels) fails CI.
# There is no GPU in CI: this compiles and links (against the driver's link stub); it runs
# nothing on a GPU.
#
# The dev profile in the default target folder: it shares every dependency that does not
# depend on candle with the CI steps before it (dependencies are built at opt-level 3 in dev
# too), so what is new here is cudarc, candle-kernels (nvcc, most of the time), candle-core,
# candle-nn and our crates. A release build would rebuild all of them in target/release.
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
