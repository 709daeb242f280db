//! Learning-rate schedules: constant or cosine, per epoch or per step, after an optional
//! linear warm-up.
//!
//! Position `t` in epochs is `epoch + step / steps_per_epoch` when the schedule moves per
//! step, `epoch` when it moves per epoch; one unit `u` is `1 / steps_per_epoch` or 1.
//! During warm-up (`t < W`) the rate is `lr * min(1, (t + u) / W)`: it climbs linearly from
//! near 0 and reaches `lr` on the last warm-up unit, never spending a step at exactly 0.
//! Afterwards cosine is `min + (lr - min) * (1 + cos(pi * q)) / 2` with
//! `q = (t - W) / (E - W)` clamped to [0, 1]: with `W = 0` and per-epoch updates this is
//! PyTorch's `CosineAnnealingLR(T_max = E)` stepped once per epoch.

use std::f64::consts::PI;

use nas_ir::{ScheduleKind, SchedulePer, ScheduleSpec};

/// The learning rate for step `step` (0-based) of epoch `epoch` (0-based).
pub fn learning_rate(
    spec: &ScheduleSpec,
    base_lr: f64,
    epoch: usize,
    step: usize,
    steps_per_epoch: usize,
    total_epochs: usize,
) -> f64 {
    let spe = steps_per_epoch.max(1) as f64;
    let (t, unit) = match spec.per {
        SchedulePer::Step => (epoch as f64 + step as f64 / spe, 1.0 / spe),
        SchedulePer::Epoch => (epoch as f64, 1.0),
    };
    let warm = spec.warmup_epochs.max(0.0);
    if t < warm {
        return base_lr * ((t + unit) / warm).min(1.0);
    }
    match spec.kind {
        ScheduleKind::Constant => base_lr,
        ScheduleKind::Cosine { min_lr } => {
            let span = total_epochs as f64 - warm;
            let q = if span > 0.0 {
                ((t - warm) / span).clamp(0.0, 1.0)
            } else {
                1.0
            };
            min_lr + (base_lr - min_lr) * (1.0 + (PI * q).cos()) / 2.0
        }
    }
}
