//! Builds the CPU emulation of the CUDA kernels (src/nn/kernels/cuda/emu.cpp: the same CUDA C
//! source compiled as C++ with cuda_emu.h) into a static library linked into the engine's
//! test binaries only (`rustc-link-arg-tests`): the library and the `nas` binary never
//! contain it, and a normal build pays one small C++ compile, redone only when the kernel
//! sources change.
//!
//! A machine without a C++ compiler still builds the engine: the script then warns, and the
//! engine's tests fail to link (undefined `nas_emu_*` symbols) rather than skip the
//! emulated kernel tests.

// Cargo reads a build script's instructions from its standard output.
#![allow(clippy::print_stdout)]

use std::path::Path;

fn main() {
    let dir = Path::new("src/nn/kernels/cuda");
    for f in [
        "cuda_emu.h",
        "emu.cpp",
        "common.cuh",
        "depthwise.cu",
        "pool.cu",
        "batchnorm.cu",
        "elementwise.cu",
        "conv.cu",
    ] {
        println!("cargo:rerun-if-changed={}", dir.join(f).display());
    }
    println!("cargo:rerun-if-changed=build.rs");
    let built = cc::Build::new()
        .cpp(true)
        .file(dir.join("emu.cpp"))
        .std("c++17")
        // No exceptions or RTTI, so the object needs nothing from libstdc++; no contraction of
        // a*b+c into fma, so the emulation rounds the same on every CPU (the GPU does fuse:
        // the tests' tolerances cover that).
        .flag_if_supported("-fno-exceptions")
        .flag_if_supported("-fno-rtti")
        .flag_if_supported("-ffp-contract=off")
        .opt_level(2)
        .cargo_metadata(false)
        .try_compile("nas_cuda_emu");
    match built {
        Ok(()) => {
            let out = std::env::var("OUT_DIR").unwrap_or_default();
            let lib = Path::new(&out).join("libnas_cuda_emu.a");
            println!("cargo:rustc-link-arg-tests={}", lib.display());
        }
        Err(e) => println!(
            "cargo:warning=the CPU emulation of the CUDA kernels was not built ({e}); \
             the engine's tests will not link"
        ),
    }
}
