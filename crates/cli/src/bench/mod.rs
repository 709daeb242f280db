//! `nas bench` configurations as functions that run measured timings and return them
//! (`bench_cmd` prints them). Every number is a median of wall-clock runs on the device
//! given; nothing here prints or asserts speed.
//!
//! Configurations: [`ops`] (each DARTS op alone, forward + backward, fast kernels vs their
//! `_slow` references), [`kernels`] (each kernel of `nn::kernels` alone, same comparison) and
//! [`network_step`] (one training step of the `twopath`, `darts` and `derived` networks);
//! [`Reference`] runs the PyTorch twin of a configuration for a side-by-side comparison.

pub mod alloc;
mod compare;
mod darts_ops;
mod device_mem;
mod networks;
mod reference;
mod timing;

pub use compare::{net_comparison_table, op_rows, ops_comparison_table, NetRound};
pub use darts_ops::{kernels, ops, OpsConfig};
pub use networks::{net_table, network_step, NetConfig, NetTiming, BATCH};
pub use reference::Reference;
pub use timing::{table, Path};

/// Makes glibc's malloc keep freed blocks for reuse: blocks up to 32 MiB come from the
/// heap instead of fresh `mmap`s, and the heap is not trimmed. candle allocates a new
/// buffer for every tensor of every step; by default each large one is a new mapping whose
/// pages fault in on first touch, which took about half of a single-threaded sep_conv_3x3
/// forward + backward here (49 -> 26 ms). Process-wide: call it once at startup, before
/// other threads run (`main` does, for every command). The cost is that freed
/// memory is kept by the process (RSS stays at its peak). Returns whether both settings
/// were accepted (always false off Linux/glibc, where it does nothing).
pub fn keep_freed_memory() -> bool {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // SAFETY: mallopt only changes allocator tuning parameters; both values are valid.
        unsafe {
            libc::mallopt(libc::M_MMAP_THRESHOLD, 32 << 20) == 1
                && libc::mallopt(libc::M_TRIM_THRESHOLD, i32::MAX) == 1
        }
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    {
        false
    }
}

/// Errors of a benchmark run.
#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    /// A tensor operation failed while building or timing `what`.
    #[error("tensor error while benchmarking {what}")]
    Tensor {
        what: String,
        #[source]
        source: candle_core::Error,
    },
    /// The configuration cannot be run (e.g. zero runs).
    #[error("invalid benchmark configuration: {reason}")]
    Config { reason: String },
    /// The PyTorch reference could not be run or read.
    #[error("PyTorch reference: {reason}")]
    Reference { reason: String },
}

#[cfg(test)]
mod tests {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    #[test]
    fn glibc_accepts_the_allocator_settings() {
        assert!(super::keep_freed_memory());
    }
}
