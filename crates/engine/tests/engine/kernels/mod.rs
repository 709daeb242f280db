//! Kernel tests: every fast CPU kernel in
//! `nas_engine::nn::kernels` against its `_slow` composite, a direct loop, and finite differences;
//! and every CUDA kernel, emulated on the CPU, against both (`cuda_emu`), and, with the
//! `cuda` feature on a GPU machine, on the GPU against the CPU (`cuda_device`, ignored by default).

mod batchnorm;
#[cfg(feature = "cuda")]
mod cuda_device;
mod cuda_emu;
mod depthwise;
mod pool;
mod relu;
mod support;
