// Runs the CUDA C kernels of this folder as plain C++ on the CPU, so that CI checks their
// arithmetic without a GPU (crates/engine/tests/engine/kernels/cuda_emu/).
//
// Contract: defines the CUDA keywords and built-ins the kernels use (__global__,
// __device__, __forceinline__, blockIdx / blockDim / threadIdx / gridDim, the bit casts),
// and redefines NAS_KERNEL so that next to each kernel nas_<name>_<t> it emits a launcher
//     extern "C" void nas_emu_<name>_<t>(unsigned grid, unsigned block, <kernel params>)
// that runs the kernel once per (block, thread) of a one-dimensional grid, in order. That is
// exactly the GPU's result for kernels that use no shared memory, atomics or block
// synchronisation, which is what common.cuh requires of every kernel. The launch indices
// are thread_local, so tests running in parallel threads do not disturb each other.
// Include this header first, then common.cuh and the .cu files (emu.cpp does).
#pragma once

#include <math.h>
#include <string.h>

struct dim3 {
    unsigned x, y, z;
};

static thread_local dim3 threadIdx, blockIdx, blockDim, gridDim;

#define __global__
#define __device__
#define __forceinline__ inline

inline float __int_as_float(int v) {
    float f;
    memcpy(&f, &v, sizeof f);
    return f;
}

inline double __longlong_as_double(long long v) {
    double d;
    memcpy(&d, &v, sizeof d);
    return d;
}

// Runs body() for every thread of a grid x block launch, block by block.
template <typename F> void nas_emu_launch(unsigned grid, unsigned block, F body) {
    gridDim = dim3{grid, 1, 1};
    blockDim = dim3{block, 1, 1};
    for (unsigned b = 0; b < grid; ++b) {
        blockIdx = dim3{b, 0, 0};
        for (unsigned t = 0; t < block; ++t) {
            threadIdx = dim3{t, 0, 0};
            body();
        }
    }
}

#define NAS_EMU_LAUNCHER(name, t, T, SIG, ARGS)                                       \
    extern "C" void nas_emu_##name##_##t(unsigned grid, unsigned block, SIG(T)) {     \
        nas_emu_launch(grid, block, [&] { nas_##name##_##t ARGS; });                 \
    }

#define NAS_KERNEL(name, SIG, ARGS)                                                   \
    extern "C" __global__ void nas_##name##_f32(SIG(float)) { name<float> ARGS; }     \
    extern "C" __global__ void nas_##name##_f64(SIG(double)) { name<double> ARGS; }   \
    NAS_EMU_LAUNCHER(name, f32, float, SIG, ARGS)                                     \
    NAS_EMU_LAUNCHER(name, f64, double, SIG, ARGS)
