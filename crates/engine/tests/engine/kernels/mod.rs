//! Kernel tests: every fast CPU kernel in
//! `nas_engine::nn::kernels` against its `_slow` composite, a direct loop, and finite differences.

mod batchnorm;
mod depthwise;
mod pool;
mod relu;
mod support;
