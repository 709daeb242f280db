#!/usr/bin/env bash
# Installs what `cargo build --release --features cuda` needs, from PyPI, into a cache folder,
# and prints the path of an environment file to `source`:
#
#     source "$(tools/cuda-toolchain.sh)"
#     cargo build --release --features cuda -p nas-cli
#
# What it installs (pip --target, no system change), into ${NAS_CUDA_HOME:-~/.cache/nas/cuda-13.2}:
# - nvcc 13.2: nvidia-cuda-nvcc (nvcc, ptxas, fatbinary), nvidia-nvvm (cicc), nvidia-cuda-crt
#   (the crt headers) and nvidia-cuda-cccl (libcu++'s <nv/target>, which cuda_fp16.h includes),
#   all pinned to 13.2: cudarc 0.19.10's build script knows CUDA up to 13.4
#   and panics on 13.5 ("Unsupported cuda toolkit version").
# - the runtime libraries candle links (cudarc's `dynamic-linking` and candle-kernels' build
#   script ask for -lcudart -lcublas -lcublasLt -lcurand -lnvrtc), at the versions the
#   cuda-toolkit 13.2 meta-package pins.
# - unversioned names (libcublas.so -> libcublas.so.13, ...): the wheels ship only the versioned
#   files, and `-lcublas` looks for the unversioned one.
# - a link stub for the driver, lib/stubs/libcuda.so (soname libcuda.so.1). The driver library
#   is not on PyPI, and none of NVIDIA's CUDA 13.2 wheels (checked: every component of the
#   cuda-toolkit 13.2 meta-package's `all` extra) ships the toolkit's lib/stubs/libcuda.so, so
#   the stub is compiled here from the wheel's own cuda.h: every driver API entry point of
#   CUDA 13.2, under the name applications link (cuda.h's _v2.. renames applied), returning
#   CUDA_ERROR_STUB_LIBRARY (34), as NVIDIA's stub does. It only satisfies the linker.
#
# At run time the real driver is used: the binary needs libcuda.so.1, which only the NVIDIA
# driver installs; the stub is never named libcuda.so.1 and never put on LD_LIBRARY_PATH. On a
# machine without the driver, `nas` built with cuda does not start ("libcuda.so.1: cannot open
# shared object file"). The environment file puts the runtime libraries of this cache on
# LD_LIBRARY_PATH, so that a GPU machine needs only its driver.
#
# CUDA_COMPUTE_CAP: the GPU generation the kernels are compiled for, default 90 (H100, H200).
# Set it before sourcing the environment file (it keeps a value already set) and rebuild:
# 75 T4, 80 A100/A30, 86 A10/A40/RTX 30xx, 89 L4/L40/RTX 40xx, 90 H100/H200, 100 B200.
# On the GPU machine: nvidia-smi --query-gpu=compute_cap --format=csv,noheader (9.0 -> 90).
#
# Idempotent: a second run finds the stamp of the same pins and only prints the path (well under
# a second). Needs python3 with pip, a C compiler (cc) and network access to PyPI the first time.
# Options: --print (also print the environment file to stderr).
set -euo pipefail

version=13.2
pins=(
  "nvidia-cuda-nvcc==13.2.86.*"
  "nvidia-nvvm==13.2.86.*"
  "nvidia-cuda-crt==13.2.86.*"
  "nvidia-cuda-cccl==13.2.86.*"
  "nvidia-cuda-runtime==13.2.86.*"
  "nvidia-cuda-nvrtc==13.2.86.*"
  "nvidia-cublas==13.4.1.3.*"
  "nvidia-curand==10.4.2.66.*"
)
# Bump when what this script builds from the wheels changes (the stub, the links, env.sh).
layout=2

home="${NAS_CUDA_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/nas/cuda-$version}"
cu="$home/site/nvidia/cu13"
envfile="$home/env.sh"
want="$(printf '%s\n' "layout $layout" "${pins[@]}" | sha256sum | cut -d' ' -f1)"

say() { echo "cuda-toolchain: $*" >&2; }

install() {
  command -v python3 >/dev/null || { say "error: python3 with pip is needed"; exit 1; }
  command -v cc >/dev/null || { say "error: a C compiler (cc) is needed for the link stub"; exit 1; }
  say "installing CUDA $version from PyPI into $home"
  local start
  start=$(date +%s)
  rm -rf "$home"
  mkdir -p "$home"
  python3 -m pip install --quiet --no-deps --no-cache-dir --disable-pip-version-check --root-user-action=ignore \
    --target "$home/site" "${pins[@]}"

  # -lcudart etc. need the unversioned names.
  local f base
  for f in "$cu"/lib/lib*.so.*; do
    base="${f%%.so.*}.so"
    [ -e "$base" ] || ln -s "$(basename "$f")" "$base"
  done

  # The driver's link stub (see the header): every entry point that cuda.h declares, under
  # its preprocessed (link) name.
  mkdir -p "$cu/lib/stubs" "$home/stub-src"
  printf '#include <cuda.h>\n' >"$home/stub-src/names.c"
  # (in the preprocessed header every `cuXxx(` is a declaration returning CUresult)
  cc -E -P -I"$cu/include" "$home/stub-src/names.c" |
    grep -oE '\bcu[A-Z][A-Za-z0-9_]* *\(' | tr -d ' (' | sort -u >"$home/stub-src/symbols.txt"
  local n
  n=$(wc -l <"$home/stub-src/symbols.txt")
  if [ "$n" -lt 300 ]; then
    say "error: found only $n driver entry points in cuda.h; expected several hundred"
    exit 1
  fi
  # The two calls that describe an error answer, so that a program that loads the stub by
  # mistake (e.g. a stubs folder on LD_LIBRARY_PATH) reports why instead of failing to.
  {
    echo '/* Link stub of the CUDA driver (tools/cuda-toolchain.sh), never the driver itself. */'
    echo '/* Every entry point returns CUDA_ERROR_STUB_LIBRARY (34). */'
    echo 'int cuGetErrorString(int e, const char **s) { (void)e;'
    echo '  *s = "the CUDA driver is the link stub of tools/cuda-toolchain.sh: no NVIDIA driver was loaded"; return 0; }'
    echo 'int cuGetErrorName(int e, const char **s) {'
    echo '  *s = e == 34 ? "CUDA_ERROR_STUB_LIBRARY" : "CUDA_ERROR_UNKNOWN"; return 0; }'
    grep -vxE 'cuGetErrorString|cuGetErrorName' "$home/stub-src/symbols.txt" |
      sed 's/.*/int &(void) { return 34; }/'
  } >"$home/stub-src/libcuda_stub.c"
  cc -shared -fPIC -O0 -Wl,-soname,libcuda.so.1 -o "$cu/lib/stubs/libcuda.so" \
    "$home/stub-src/libcuda_stub.c"

  cat >"$envfile" <<EOF
# CUDA $version from PyPI for \`cargo build --features cuda\` (written by tools/cuda-toolchain.sh).
export CUDA_ROOT="$cu"
export CUDA_PATH="$cu"
export CUDA_HOME="$cu"
export PATH="$cu/bin:\$PATH"
# Link time only: the runtime libraries and the driver's stub.
export LIBRARY_PATH="$cu/lib:$cu/lib/stubs\${LIBRARY_PATH:+:\$LIBRARY_PATH}"
# Run time: the runtime libraries; libcuda.so.1 comes from the NVIDIA driver.
export LD_LIBRARY_PATH="$cu/lib\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}"
# The GPU generation to compile for (90: H100/H200; 80: A100; 89: L4/RTX 40xx).
export CUDA_COMPUTE_CAP="\${CUDA_COMPUTE_CAP:-90}"
EOF
  echo "$want" >"$home/.stamp"
  say "installed in $(($(date +%s) - start)) s ($n driver entry points in the link stub)"
}

if [ "$(cat "$home/.stamp" 2>/dev/null)" != "$want" ] || [ ! -x "$cu/bin/nvcc" ] ||
  [ ! -e "$cu/lib/stubs/libcuda.so" ] || [ ! -e "$envfile" ]; then
  install
fi
"$cu/bin/nvcc" --version | grep -q "release $version" ||
  { say "error: $cu/bin/nvcc is not CUDA $version"; exit 1; }
if [ "${1:-}" = "--print" ]; then cat "$envfile" >&2; fi
echo "$envfile"
