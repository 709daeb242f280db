//! Before a run allocates anything: the largest training step of the pipeline, from the
//! IR's memory estimate, against the memory the machine has. A network far too large for
//! the machine would otherwise abort the process inside the allocator (SIGABRT, no message).
//!
//! Contract: `check` refuses with `nas::run::too_large` when some stage's estimated step
//! memory exceeds `available` bytes, naming the stage; stages whose network is known only at
//! run time (cells from a derive stage) are not estimated (they are no larger than the
//! supernet their genotype comes from). The estimate is an order-of-magnitude guide, so the
//! CLI lets `--force` skip the check.

use nas_ir::estimate::{estimate_train_memory, EstimateError};
use nas_ir::Program;

use crate::error::RuntimeError;

/// The stage with the largest estimated training step, and that estimate in bytes (None
/// when it overflows u64).
fn largest_step(program: &Program) -> Option<(String, Option<u64>)> {
    let steps = program.pipeline.stages.iter().filter_map(|stage| {
        let net = stage.kind.network()?;
        let images = stage.kind.step_images()?;
        match estimate_train_memory(net, None, images, 4) {
            Ok(m) => Some((stage.name.clone(), Some(m.total_bytes))),
            Err(EstimateError::TooLarge { .. }) => Some((stage.name.clone(), None)),
            Err(_) => None,
        }
    });
    // an estimate too large to count is larger than any other; the first stage wins ties
    steps.fold(
        None,
        |best: Option<(String, Option<u64>)>, (name, bytes)| {
            let key = |b: Option<u64>| b.map_or(u128::MAX, u128::from);
            match best {
                Some((_, b)) if key(b) >= key(bytes) => best,
                _ => Some((name, bytes)),
            }
        },
    )
}

/// Refuse the run when its largest estimated step needs more than `available` bytes.
pub fn check(program: &Program, available: u64) -> Result<(), RuntimeError> {
    let Some((stage, needed)) = largest_step(program) else {
        return Ok(());
    };
    if needed.is_some_and(|n| n <= available) {
        return Ok(());
    }
    let gib = |b: u64| format!("{:.1} GiB", b as f64 / (1u64 << 30) as f64);
    Err(RuntimeError::TooLarge {
        stage,
        needed: needed.map_or_else(|| "more than 16 EiB".to_string(), gib),
        available: gib(available),
    })
}

/// Total memory of this machine in bytes (Linux: `MemTotal` of `/proc/meminfo`), if known.
pub fn machine_memory() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemTotal:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    kib.checked_mul(1024)
}
