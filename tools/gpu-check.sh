#!/usr/bin/env bash
# tools/gpu-check.sh: the GPU check, one prepared script for a machine with an NVIDIA GPU (made
# for an H100 or H200 with 16 cores, where it should finish in under 8 minutes). It
#   1. builds nas and the engine's kernel tests with --features cuda (skipped when NAS_BIN and
#      NAS_KERNEL_TESTS name binaries built that way elsewhere, for a machine without cargo);
#   2. runs every custom kernel on cuda:0 against the CPU kernel (the ignored `gpu_` tests of
#      nas-engine: values and gradients, f32 and f64, relative error <= 1e-4);
#   3. runs the quick start with --device cuda:0, and checks that a search checkpoint written on
#      the GPU resumes on the CPU and the reverse (tests/data/run/tiny.nas killed with SIGKILL
#      after its second epoch, resumed with the other --device; tools/st_diff.py compares the
#      derived weights with an uninterrupted run on the first device);
#   4. runs `nas bench twopath` (batch 96, as in the paper) and `nas bench darts` (batch 32) on
#      cuda:0 side by side with PyTorch CUDA (../shared/bench/torch_ref.py, TORCH_REF_DEVICE=cuda);
#   5. prints one table: op, max error, img/s nas vs PyTorch, peak GPU memory nas vs PyTorch.
# Every log goes to OUT_DIR (default gpu-check-out/). Exit status: 0 when every step ran and every
# kernel error is <= 1e-4; 1 otherwise (the table says which).
#
# Usage (repository root, ../shared beside it):
#   tools/gpu-check.sh [OUT_DIR]
# Environment: PYTHON (a Python with torch and CUDA; default python3), CUDA_COMPUTE_CAP (default
# 90, see tools/cuda-toolchain.sh), NAS_BIN / NAS_KERNEL_TESTS (prebuilt binaries, see 1.),
# RUNS (timed steps per round, default 10), ROUNDS (default 3).
set -uo pipefail
cd "$(dirname "$0")/.."
out=${1:-gpu-check-out}
mkdir -p "$out"
python=${PYTHON:-python3}
runs=${RUNS:-10}
rounds=${ROUNDS:-3}
status=0
note() { printf '%s %s\n' "$(date +%T)" "$*" | tee -a "$out/steps.log"; }

nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader >"$out/gpu.txt" 2>&1 ||
  { echo "gpu-check: nvidia-smi failed: is there an NVIDIA GPU and driver?" >&2; cat "$out/gpu.txt" >&2; exit 1; }
note "GPU: $(head -1 "$out/gpu.txt")"

# 1. build
if [ -n "${NAS_BIN:-}" ] && [ -n "${NAS_KERNEL_TESTS:-}" ]; then
  nas=$NAS_BIN kernel_tests=$NAS_KERNEL_TESTS
  note "prebuilt: $nas, $kernel_tests"
else
  if ! command -v nvcc >/dev/null; then
    # shellcheck disable=SC1090
    source "$(tools/cuda-toolchain.sh)" || { echo "gpu-check: the CUDA toolchain could not be set up" >&2; exit 1; }
  fi
  note "building with --features cuda"
  cargo build --release --features cuda -p nas-cli >"$out/build.log" 2>&1 ||
    { echo "gpu-check: the cuda build failed, see $out/build.log" >&2; exit 1; }
  kernel_tests=$(cargo test --release --features cuda -p nas-engine --test engine --no-run \
    --message-format=json 2>>"$out/build.log" |
    "$python" -c 'import json,sys
for l in sys.stdin:
    m = json.loads(l)
    if m.get("reason") == "compiler-artifact" and m.get("executable") and m["target"]["name"] == "engine":
        print(m["executable"])' | tail -1)
  [ -x "$kernel_tests" ] || { echo "gpu-check: the engine test binary was not built, see $out/build.log" >&2; exit 1; }
  nas=target/release/nas
fi

# 2. kernels on cuda:0 against the CPU
note "kernel tests on cuda:0"
"$kernel_tests" gpu_ --ignored --nocapture --test-threads 1 >"$out/kernels.log" 2>&1 || status=1
grep -q "test result: ok" "$out/kernels.log" || status=1

# 3. the quick start on the GPU
note "quick start on cuda:0"
rm -rf "$out/quickstart"
"$nas" run examples/quickstart.nas --device cuda:0 --out "$out/quickstart" >"$out/quickstart.log" 2>&1 || status=1

# 3b. checkpoints across devices: killed on one device after epoch 2, resumed on the other
epochs_done() { [ -f "$1/search/metrics.jsonl" ] && grep -c '' "$1/search/metrics.jsonl" || echo 0; }
for pair in "cuda:0 cpu" "cpu cuda:0"; do
  set -- $pair
  whole="$out/resume-whole-${1%%:*}" part="$out/resume-${1%%:*}-then-${2%%:*}"
  rm -rf "$whole" "$part"
  note "checkpoint written on $1, resumed on $2"
  "$nas" run tests/data/run/tiny.nas --device "$1" --out "$whole" >"$whole.log" 2>&1 || status=1
  "$nas" run tests/data/run/tiny.nas --device "$1" --out "$part" >"$part.log" 2>&1 &
  pid=$!
  for _ in $(seq 600); do [ "$(epochs_done "$part")" -ge 2 ] && break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
  "$nas" run tests/data/run/tiny.nas --device "$2" --resume --out "$part" >>"$part.log" 2>&1 || status=1
  same=no
  cmp -s "$whole/derive/genotype.json" "$part/derive/genotype.json" && same=yes
  diff=$("$python" tools/st_diff.py "$whole/derive/weights.safetensors" "$part/derive/weights.safetensors" 2>&1) || status=1
  # Reported, not failed: after the switch the arithmetic is the other device's (the GPU fuses
  # multiply-adds and sums in another order), so a near-tied edge may go the other way.
  echo "$1 -> $2: genotype same as uninterrupted: $same; derived weights: $diff" >"$part.result"
done

# 4. whole search steps against PyTorch CUDA
for cfg in "twopath 96" "darts 32"; do
  set -- $cfg
  note "nas bench $1 --device cuda:0 --batch $2 against PyTorch CUDA"
  "$nas" bench "$1" --device cuda:0 --batch "$2" --runs "$runs" --rounds "$rounds" \
    --torch "$python" >"$out/bench-$1.log" 2>&1 || status=1
done

# 5. one table
{
  echo "GPU: $(head -1 "$out/gpu.txt")"
  echo
  echo "| op | max relative error (cuda:0 vs CPU) | within 1e-4 |"
  echo "|---|---:|---|"
  if grep -q '^gpu-check ' "$out/kernels.log"; then
    awk '/^gpu-check /{ ok = ($3 + 0 <= 1e-4) ? "yes" : "NO"; printf "| %s | %s | %s |\n", $2, $3, ok }' "$out/kernels.log"
  else
    echo "| (no kernel ran: see $out/kernels.log) | - | NO |"
  fi
  echo
  echo "| step | batch | nas img/s | PyTorch img/s | speed nas/PyTorch | nas peak GPU MB | PyTorch peak GPU MB | memory nas/PyTorch |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|"
  for cfg in "twopath 96" "darts 32"; do
    set -- $cfg
    line=$(grep -E "^$1 +median" "$out/bench-$1.log" 2>/dev/null)
    ratio=$(grep -E "^$1: speed nas/torch" "$out/bench-$1.log" 2>/dev/null)
    if [ -n "$line" ]; then
      # config median torch_ips nas_ips torch_mb nas_mb
      read -r _ _ tips nips tmb nmb <<<"$line"
      sr=$(sed -E 's/.*speed nas\/torch ([0-9.]+)x.*/\1/' <<<"$ratio")
      mr=$(sed -E 's/.*peak memory nas\/torch ([0-9.]+)x.*/\1/' <<<"$ratio")
      echo "| $1 | $2 | $nips | $tips | ${sr}x | $nmb | $tmb | ${mr}x |"
    else
      echo "| $1 | $2 | (failed: see $out/bench-$1.log) | | | | | |"
    fi
  done
  echo
  echo "| checkpoint written on -> resumed on | genotype as uninterrupted | derived weights vs uninterrupted |"
  echo "|---|---|---|"
  for r in "$out"/resume-*-then-*.result; do
    [ -f "$r" ] || { echo "| (no cross-device resume ran) | NO | |"; continue; }
    sed -E 's/^(.*): genotype same as uninterrupted: ([a-z]+); derived weights: (.*)$/| \1 | \2 | \3 |/' "$r"
  done
  echo
  if [ -f "$out/quickstart/report.md" ]; then
    echo "Quick start on cuda:0: $(grep -c '' "$out/quickstart.log") log lines, report at $out/quickstart/report.md"
  else
    echo "Quick start on cuda:0: failed, see $out/quickstart.log"
  fi
} | tee "$out/table.md"
grep -q '| NO |' "$out/table.md" && status=1
note "done (status $status)"
exit $status
