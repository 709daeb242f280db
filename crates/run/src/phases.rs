//! Phases of a search stage: which phase an epoch belongs to, when a `when` transition
//! fires, and at which epochs cells freeze.
//!
//! Contract: phases run in order; an `epochs` phase lasts exactly its epochs; a `when`
//! phase ends after the first epoch whose metrics satisfy its condition, or after its
//! `max_epochs`. In a freezing phase of length L over n cells, the cell of rank r
//! (forward: cell r; backward: cell n-1-r) freezes at the start of the phase's epoch
//! `floor(r * (L - 1) / (n - 1))`, so the first cell freezes when the phase starts and the
//! last one at its last epoch (the official code never froze the last cell).

use serde::{Deserialize, Serialize};

use nas_ir::{Cmp, Condition, FreezeOrder, PhaseSpec, Transition};

/// Where the stage is among its phases (saved in checkpoints).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct PhaseState {
    /// Index of the current phase.
    pub index: usize,
    /// Epoch at which the current phase started.
    pub start: usize,
    /// Consecutive epochs the derived genotype has not changed.
    pub stable: usize,
    /// Text of the genotype derived at the end of the last epoch.
    pub last_genotype: Option<String>,
}

/// The longest a phase can last.
pub fn max_len(p: &PhaseSpec) -> usize {
    match &p.until {
        Transition::Epochs { epochs } => *epochs,
        Transition::When { max_epochs, .. } => *max_epochs,
    }
}

impl PhaseState {
    /// Skip phases of length 0 so that `index` names the phase that runs `epoch`.
    /// Returns false when no phase is left.
    pub fn settle(&mut self, phases: &[PhaseSpec], epoch: usize) -> bool {
        while self.index < phases.len() && epoch >= self.start + max_len(&phases[self.index]) {
            self.index += 1;
            self.start = epoch;
            self.stable = 0;
        }
        self.index < phases.len()
    }

    /// After an epoch ends: update the stability count and decide whether a `when`
    /// condition ends the phase (the next epoch then starts the next phase).
    pub fn end_epoch(
        &mut self,
        phases: &[PhaseSpec],
        epoch: usize,
        metrics: &serde_json::Value,
        genotype: &str,
    ) {
        if self.last_genotype.as_deref() == Some(genotype) {
            self.stable += 1;
        } else {
            self.stable = 0;
        }
        self.last_genotype = Some(genotype.to_string());
        let Some(phase) = phases.get(self.index) else {
            return;
        };
        if let Transition::When { condition, .. } = &phase.until {
            if holds(condition, metrics, self.stable) {
                self.index += 1;
                self.start = epoch + 1;
                self.stable = 0;
            }
        }
    }
}

/// Whether `condition` holds for an epoch's metrics.
pub fn holds(condition: &Condition, metrics: &serde_json::Value, stable: usize) -> bool {
    match condition {
        Condition::ArchStable { epochs } => stable >= *epochs,
        Condition::Metric { metric, cmp, value } => {
            match metrics.get(metric).and_then(|v| v.as_f64()) {
                Some(m) => match cmp {
                    Cmp::Lt => m < *value,
                    Cmp::Le => m <= *value,
                    Cmp::Gt => m > *value,
                    Cmp::Ge => m >= *value,
                },
                None => false,
            }
        }
    }
}

/// Cells to freeze at the start of `epoch` of a freezing phase that started at `start`
/// and lasts at most `len` epochs, over `cells` cells.
pub fn cells_to_freeze(
    order: FreezeOrder,
    start: usize,
    len: usize,
    cells: usize,
    epoch: usize,
) -> Vec<usize> {
    if cells == 0 || epoch < start {
        return Vec::new();
    }
    let rel = epoch - start;
    let due = |r: usize| -> usize {
        if cells == 1 || len <= 1 {
            0
        } else {
            r * (len - 1) / (cells - 1)
        }
    };
    (0..cells)
        .filter(|&r| due(r) <= rel)
        .map(|r| match order {
            FreezeOrder::Forward => r,
            FreezeOrder::Backward => cells - 1 - r,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use nas_ir::Span;

    fn phase(until: Transition) -> PhaseSpec {
        PhaseSpec {
            name: "p".into(),
            until,
            arch_updates: true,
            drop: true,
            freeze: None,
            select: None,
            span: Span::default(),
        }
    }

    #[test]
    fn freezing_spreads_cells_over_the_phase_including_the_last() {
        // 20 cells over 120 epochs starting at 180: first at 180, last at 299.
        let at = |e| cells_to_freeze(FreezeOrder::Forward, 180, 120, 20, e);
        assert_eq!(at(180), vec![0]);
        assert_eq!(at(186), vec![0, 1]);
        assert_eq!(at(298).len(), 19);
        assert_eq!(at(299).len(), 20);
        assert_eq!(cells_to_freeze(FreezeOrder::Backward, 0, 3, 3, 0), vec![2]);
        assert_eq!(
            cells_to_freeze(FreezeOrder::Forward, 0, 1, 3, 0),
            vec![0, 1, 2]
        );
    }

    #[test]
    fn epochs_phases_follow_each_other_and_skip_empty_ones() {
        let phases = vec![
            phase(Transition::Epochs { epochs: 2 }),
            phase(Transition::Epochs { epochs: 0 }),
            phase(Transition::Epochs { epochs: 1 }),
        ];
        let mut s = PhaseState::default();
        assert!(s.settle(&phases, 0) && s.index == 0);
        assert!(s.settle(&phases, 1) && s.index == 0);
        assert!(s.settle(&phases, 2) && s.index == 2);
        assert!(!s.settle(&phases, 3));
    }

    #[test]
    fn when_phase_ends_on_stable_architecture_or_metric() {
        let phases = vec![
            phase(Transition::When {
                condition: Condition::ArchStable { epochs: 2 },
                max_epochs: 10,
            }),
            phase(Transition::When {
                condition: Condition::Metric {
                    metric: "loss".into(),
                    cmp: Cmp::Lt,
                    value: 1.0,
                },
                max_epochs: 10,
            }),
        ];
        let mut s = PhaseState::default();
        let m = serde_json::json!({"loss": 3.0});
        for (e, g) in ["a", "b", "b"].iter().enumerate() {
            assert!(s.settle(&phases, e));
            s.end_epoch(&phases, e, &m, g);
            assert_eq!(s.index, 0, "epoch {e}");
        }
        s.end_epoch(&phases, 3, &m, "b");
        assert_eq!((s.index, s.start), (1, 4));
        s.end_epoch(&phases, 4, &serde_json::json!({"loss": 0.5}), "b");
        assert_eq!(s.index, 2);
        assert!(!s.settle(&phases, 5));
    }
}
