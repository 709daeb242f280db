// The CPU emulation of the CUDA kernels (cuda_emu.h says how), built by the engine's
// build.rs and linked into its test binaries only. Include order = the order gpu.rs hands
// the sources to NVRTC.
#include "cuda_emu.h"

#include "common.cuh"
#include "depthwise.cu"
#include "pool.cu"
#include "batchnorm.cu"
#include "elementwise.cu"
#include "conv.cu"
