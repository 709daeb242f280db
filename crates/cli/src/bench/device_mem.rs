//! Device memory in use, for the GPU side of `nas bench`: the CUDA driver's count of the
//! device's used bytes (total less free), read through candle's cudarc context. It counts
//! every allocation on the device, ours and any other process's, so the benchmark reports
//! differences against a reading taken before its network was built. candle does not cache
//! freed buffers, so what is in use is what the step holds.

use candle_core::Device;

/// MB of device memory in use now; None on the CPU, in a build without CUDA, or when the
/// driver does not answer.
pub fn used_mb(device: &Device) -> Option<f64> {
    #[cfg(feature = "cuda")]
    {
        if let Device::Cuda(d) = device {
            let (free, total) = d.cuda_stream().context().mem_get_info().ok()?;
            return Some(total.saturating_sub(free) as f64 / (1024.0 * 1024.0));
        }
        None
    }
    #[cfg(not(feature = "cuda"))]
    {
        let _ = device;
        None
    }
}
