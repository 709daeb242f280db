//! Kernel tests: every fast CPU kernel in
//! `nas_engine::nn::kernels` against its `_slow` composite, a direct loop, and finite differences;
//! and every CUDA kernel, emulated on the CPU, against both (`cuda_emu`).

mod batchnorm;
mod cuda_emu;
mod depthwise;
mod pool;
mod relu;
mod support;
