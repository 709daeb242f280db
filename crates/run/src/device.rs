//! The device a run asks for (`nas run --device cpu|cuda:N`). Contract: `open` gives the
//! candle device or `RuntimeError::Device` (`nas::run::device`), never a panic. A build
//! without CUDA support says so before touching the driver; in a CUDA build the driver's own
//! error (no device, no such ordinal, a stub library) is passed on as the reason.

use candle_core::Device;

use crate::error::RuntimeError;

/// The help of a misspelt device.
pub const HELP_SPELLING: &str = "use `cpu` or `cuda:N` (N = 0 for the first GPU)";
/// The help of `cuda:N` in a build without the cuda feature.
pub const HELP_NO_CUDA: &str =
    "build with `--features cuda` (README, section \"GPU\"), or run with `--device cpu`";
/// The help of a GPU that the driver could not open.
pub const HELP_DRIVER: &str = "the CUDA driver could not open this GPU: check that `nvidia-smi` lists it (ordinals start at 0 and follow CUDA_VISIBLE_DEVICES), or run with `--device cpu`";

/// Open `spec`: `cpu`, `cuda` (the first GPU) or `cuda:N`.
pub fn open(spec: &str) -> Result<Device, RuntimeError> {
    let refuse = |reason: String, help: &str| RuntimeError::Device {
        device: spec.to_string(),
        reason,
        help: help.to_string(),
    };
    if spec == "cpu" {
        return Ok(Device::Cpu);
    }
    let Some(ordinal) = spec
        .strip_prefix("cuda:")
        .or_else(|| (spec == "cuda").then_some("0"))
        .and_then(|n| n.parse::<usize>().ok())
    else {
        return Err(refuse("unknown device".into(), HELP_SPELLING));
    };
    // candle's own answer to "was I compiled with the cuda feature"; without it
    // `new_cuda` would only say "not compiled with cuda support" in candle's words.
    if !candle_core::utils::cuda_is_available() {
        return Err(refuse(
            "this build has no CUDA support".into(),
            HELP_NO_CUDA,
        ));
    }
    Device::new_cuda(ordinal).map_err(|e| {
        refuse(
            format!("the CUDA driver says: {}", without_backtrace(e)),
            HELP_DRIVER,
        )
    })
}

/// The error without the backtrace candle attaches when RUST_BACKTRACE is set: the user
/// needs the driver's words, not candle's call stack.
fn without_backtrace(e: candle_core::Error) -> candle_core::Error {
    match e {
        candle_core::Error::WithBacktrace { inner, .. } => without_backtrace(*inner),
        e => e,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refusal(spec: &str) -> (String, String) {
        match open(spec) {
            Err(RuntimeError::Device { reason, help, .. }) => (reason, help),
            other => panic!("{spec}: expected a device error, got {other:?}"),
        }
    }

    #[test]
    fn cpu_opens_and_a_misspelt_device_is_refused() {
        assert!(matches!(open("cpu"), Ok(Device::Cpu)));
        for spec in ["gpu", "cuda:", "cuda:x", "cuda:-1", "CPU", ""] {
            assert_eq!(refusal(spec).0, "unknown device", "{spec}");
        }
    }

    #[cfg(not(feature = "cuda"))]
    #[test]
    fn cuda_in_a_build_without_cuda_says_how_to_get_it() {
        for spec in ["cuda", "cuda:0", "cuda:3"] {
            let (reason, help) = refusal(spec);
            assert_eq!(reason, "this build has no CUDA support");
            assert!(help.contains("--features cuda"), "{help}");
        }
    }
}
