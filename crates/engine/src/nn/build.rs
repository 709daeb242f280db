//! Construction of a network body (stem, cells, residual blocks) from the IR, in a fixed
//! order so that parameter initialisation is reproducible.
//!
//! Contract: DARTS reduction cells double the channels and take stride 2 on the edges
//! leaving their inputs; preprocess0 is a factorized reduce when the previous cell
//! reduced (or after the ImageNet stem), else ReLU-Conv1x1-BN; the auxiliary tower sits
//! after cell `2 * cells / 3`. NB201: stem, 3 stages of N cells, residual reduction
//! blocks between stages, final BN + ReLU.

use super::cell::{pre_name, Cell, CellShape, Preprocess};
use super::error::{invalid, NnError, Result};
use super::heads::{ResBlock, Stem};
use super::layers::{BatchNorm, FactorizedReduce, ReluConvBn};
use super::store::Builder;
use nas_ir::{
    AlphaSharing, CellGenotype, CellSpec, DartsNet, EdgeMode, Family, Genotype, Nb201Net,
    NetworkSpec, OpDef, StemKind,
};

/// Stem, then units in order, then (NB201) the final BN.
pub struct Body {
    pub stem: Stem,
    pub units: Vec<Unit>,
    pub lastact: Option<BatchNorm>,
}

pub enum Unit {
    Cell(Cell),
    Res(ResBlock),
}

pub struct Built {
    pub body: Body,
    /// Channels of the pooled features.
    pub feat: usize,
    /// (cell index, channels, spatial side, pool stride) where the auxiliary tower attaches.
    pub aux_input: Option<(usize, usize, usize, usize)>,
    pub search: Option<(EdgeMode, AlphaSharing)>,
    pub ops: Vec<OpDef>,
    pub group_names: Vec<String>,
}

/// Where cells come from.
enum Source<'a> {
    Search(EdgeMode, AlphaSharing),
    Fixed(&'a Genotype),
}

fn source<'a>(cell: &'a CellSpec, genotype: Option<&'a Genotype>) -> Result<Source<'a>> {
    Ok(match cell {
        CellSpec::Search { alpha, mode } => Source::Search(*mode, *alpha),
        CellSpec::Genotype { genotype } => Source::Fixed(genotype),
        CellSpec::Derived { stage } => {
            Source::Fixed(genotype.ok_or_else(|| NnError::NeedsGenotype {
                stage: stage.clone(),
            })?)
        }
    })
}

/// Genotype of cell `i` (of `n`).
fn cell_geno(g: &Genotype, i: usize, n: usize, reduction: bool) -> Result<&CellGenotype> {
    match g {
        Genotype::PerCell { cells } => {
            if cells.len() != n {
                return Err(NnError::BadGenotype {
                    reason: format!("{} cell genotypes for a network of {n} cells", cells.len()),
                });
            }
            Ok(&cells[i])
        }
        Genotype::Shared { normal, reduce } => Ok(if reduction { reduce } else { normal }),
    }
}

/// Alpha group of cell `i` and the group names.
fn group_of(sharing: AlphaSharing, i: usize, reduction: bool, has_reduce: bool) -> usize {
    match sharing {
        AlphaSharing::PerCell => i,
        AlphaSharing::Shared => usize::from(reduction && has_reduce),
    }
}

fn group_names(sharing: AlphaSharing, n: usize, has_reduce: bool) -> Vec<String> {
    match sharing {
        AlphaSharing::PerCell => (0..n).map(|i| format!("alphas.cells.{i}")).collect(),
        AlphaSharing::Shared if has_reduce => vec!["alphas.normal".into(), "alphas.reduce".into()],
        AlphaSharing::Shared => vec!["alphas.normal".into()],
    }
}

pub fn build_body(
    b: &mut Builder,
    spec: &NetworkSpec,
    genotype: Option<&Genotype>,
) -> Result<Built> {
    if spec.in_channels == 0 || spec.image_size == 0 {
        return Err(invalid("input channels and image size must be positive"));
    }
    match &spec.family {
        Family::Darts(d) => build_darts(b, spec, d, genotype),
        Family::Nb201(n) => build_nb201(b, spec, n, genotype),
    }
}

fn make_cell(
    b: &mut Builder,
    src: &Source,
    ops: &[OpDef],
    (i, n, multiplier): (usize, usize, usize),
    shape: CellShape,
    pre: Vec<Preprocess>,
    has_reduce: bool,
) -> Result<Cell> {
    let name = format!("cells.{i}");
    match src {
        Source::Search(_, sharing) => {
            let g = group_of(*sharing, i, shape.reduction, has_reduce);
            Cell::search(b, name, shape, pre, ops, multiplier, g)
        }
        Source::Fixed(geno) => Cell::fixed(
            b,
            name,
            shape,
            pre,
            ops,
            cell_geno(geno, i, n, shape.reduction)?,
        ),
    }
}

fn build_darts(
    b: &mut Builder,
    spec: &NetworkSpec,
    d: &DartsNet,
    genotype: Option<&Genotype>,
) -> Result<Built> {
    if d.cells == 0 || d.channels == 0 || d.nodes == 0 || d.ops.is_empty() {
        return Err(invalid("cells, channels, nodes and ops must be non-empty"));
    }
    if let Some(r) = d.reductions.iter().find(|&&r| r >= d.cells) {
        return Err(invalid(format!(
            "reduction cell {r} is outside the {} cells",
            d.cells
        )));
    }
    let src = source(&d.cell, genotype)?;
    let has_reduce = !d.reductions.is_empty();
    let mult = if d.stem == StemKind::Cifar {
        d.stem_multiplier
    } else {
        1
    };
    let (stem, c_stem) = Stem::new(b, d.stem, spec.in_channels, d.channels, mult)?;
    let mut size = Stem::out_size(d.stem, spec.image_size);
    let (mut cpp, mut cp, mut cc) = (c_stem, c_stem, d.channels);
    let mut red_prev = d.stem == StemKind::Imagenet;
    let aux_stride = if d.stem == StemKind::Cifar { 3 } else { 2 };
    let mut units = Vec::with_capacity(d.cells);
    let mut aux_input = None;
    for i in 0..d.cells {
        let red = d.reductions.contains(&i);
        if red {
            cc *= 2;
            size = size.div_ceil(2);
        }
        let p0 = pre_name(&format!("cells.{i}"), 0);
        let p1 = pre_name(&format!("cells.{i}"), 1);
        let pre0 = if red_prev {
            Preprocess::Reduce(FactorizedReduce::new(b, &p0, cpp, cc, d.affine)?)
        } else {
            Preprocess::Rcb(ReluConvBn::new(b, &p0, cpp, cc, 1, 1, d.affine)?)
        };
        let pre1 = Preprocess::Rcb(ReluConvBn::new(b, &p1, cp, cc, 1, 1, d.affine)?);
        let shape = CellShape {
            inputs: 2,
            nodes: d.nodes,
            channels: cc,
            reduction: red,
            affine: d.affine,
        };
        let cell = make_cell(
            b,
            &src,
            &d.ops,
            (i, d.cells, d.multiplier),
            shape,
            vec![pre0, pre1],
            has_reduce,
        )?;
        cpp = cp;
        cp = cell.out_channels();
        red_prev = red;
        units.push(Unit::Cell(cell));
        if i == 2 * d.cells / 3 {
            aux_input = Some((i, cp, size, aux_stride));
        }
    }
    Ok(Built {
        body: Body {
            stem,
            units,
            lastact: None,
        },
        feat: cp,
        aux_input,
        search: search_of(&src),
        ops: d.ops.clone(),
        group_names: names_of(&src, d.cells, has_reduce),
    })
}

fn search_of(src: &Source) -> Option<(EdgeMode, AlphaSharing)> {
    match src {
        Source::Search(m, s) => Some((*m, *s)),
        Source::Fixed(_) => None,
    }
}

fn names_of(src: &Source, cells: usize, has_reduce: bool) -> Vec<String> {
    match src {
        Source::Search(_, s) => group_names(*s, cells, has_reduce),
        Source::Fixed(_) => Vec::new(),
    }
}

fn build_nb201(
    b: &mut Builder,
    spec: &NetworkSpec,
    n: &Nb201Net,
    genotype: Option<&Genotype>,
) -> Result<Built> {
    if n.channels == 0 || n.cells_per_stage == 0 || n.nodes == 0 || n.ops.is_empty() {
        return Err(invalid(
            "channels, cells per stage, nodes and ops must be non-empty",
        ));
    }
    let src = source(&n.cell, genotype)?;
    let (stem, mut c) = Stem::new(b, StemKind::Cifar, spec.in_channels, n.channels, 1)?;
    let total = 3 * n.cells_per_stage;
    let mut units = Vec::with_capacity(total + 2);
    let mut i = 0;
    for stage in 0..3 {
        if stage > 0 {
            units.push(Unit::Res(ResBlock::new(
                b,
                &format!("resblocks.{}", stage - 1),
                c,
                2 * c,
            )?));
            c *= 2;
        }
        for _ in 0..n.cells_per_stage {
            let shape = CellShape {
                inputs: 1,
                nodes: n.nodes,
                channels: c,
                reduction: false,
                affine: n.affine,
            };
            units.push(Unit::Cell(make_cell(
                b,
                &src,
                &n.ops,
                (i, total, 1),
                shape,
                Vec::new(),
                false,
            )?));
            i += 1;
        }
    }
    let lastact = BatchNorm::new(b, "lastact.0", c, true)?;
    Ok(Built {
        body: Body {
            stem,
            units,
            lastact: Some(lastact),
        },
        feat: c,
        aux_input: None,
        search: search_of(&src),
        ops: n.ops.clone(),
        group_names: names_of(&src, total, false),
    })
}
