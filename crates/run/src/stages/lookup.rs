//! `nb201_lookup`: the true CIFAR-10, CIFAR-100 and ImageNet16-120 accuracies of a
//! NAS-Bench-201 cell and its rank among all cells, from a benchmark table. Runs after the
//! derive stage; nothing before it reads the table.
//!
//! Contract: the table must be the one the checker saw (same hash); the cell is the derive
//! stage's (one cell repeated through the network, as the benchmark trains it) or the
//! program's fixed cell.

use std::path::Path;

use super::common::Fail;
use super::networks::read_genotype;
use crate::ctx::StageCtx;
use crate::error::RuntimeError;
use nas_ir::outputs::{LookupDone, LookupResult};
use nas_ir::source::nb201_arch;
use nas_ir::{Genotype, LookupCell, LookupSpec};
use nas_tables::nb201::Table;

pub fn run(ctx: &mut StageCtx<'_>, spec: &LookupSpec) -> Result<LookupDone, RuntimeError> {
    let fail = Fail::new(ctx.stage);
    let table = Table::read(Path::new(&spec.table)).map_err(|e| fail.msg(e))?;
    if table.hash != spec.table_hash {
        return Err(fail.msg(format!(
            "the table `{}` changed after the pipeline was checked",
            spec.table
        )));
    }
    let arch = match &spec.cell {
        LookupCell::Fixed { arch } => arch.clone(),
        LookupCell::Derived { stage } => cell_string(&read_genotype(ctx, stage, &fail)?, &fail)?,
    };
    let acc = table.get(&arch).ok_or_else(|| RuntimeError::NotInTable {
        stage: ctx.stage.name.clone(),
        arch: arch.clone(),
        table: spec.table.clone(),
    })?;
    let [c10, c100, in16] = table.ranks(&acc);
    Ok(LookupDone {
        result: LookupResult {
            arch,
            cifar10: acc.cifar10,
            cifar100: acc.cifar100,
            imagenet16: acc.imagenet16,
            cifar10_percentile: c10.percentile,
            cifar10_top_percent: c10.top_percent,
            cifar100_percentile: c100.percentile,
            imagenet16_percentile: in16.percentile,
            cells: table.len(),
        },
    })
}

/// The NB201 string of a derived genotype: its one cell (per-cell genotypes must agree,
/// since the benchmark repeats one cell).
fn cell_string(g: &Genotype, fail: &Fail) -> Result<String, RuntimeError> {
    match g {
        Genotype::Shared { normal, .. } => Ok(nb201_arch(normal)),
        Genotype::PerCell { cells } => {
            let first = cells
                .first()
                .ok_or_else(|| fail.msg("the derived genotype has no cells"))?;
            if cells.iter().any(|c| c != first) {
                return Err(fail.msg(
                    "the derived cells differ from cell to cell; NAS-Bench-201 lists networks of one repeated cell",
                ));
            }
            Ok(nb201_arch(first))
        }
    }
}
