//! Seeded, class-balanced index picks: two-way splits, label fractions and size limits.
//!
//! Every class gives the same fraction of its images (exact quotas `fraction * class size`,
//! rounded by largest remainder so the total is `round(fraction * n)`); which images a class
//! gives is a seeded shuffle (ChaCha8) of that class. Without labels, the whole dataset is
//! one group: a plain seeded random pick. Returned index lists are sorted ascending so that
//! a loader's own shuffle alone decides the order.

use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::DataError;

/// Splits `0..n` into (first, rest) where `first` holds `fraction` of every class.
pub fn split_fraction(
    labels: Option<&[u32]>,
    n: usize,
    fraction: f64,
    seed: u64,
) -> Result<(Vec<usize>, Vec<usize>), DataError> {
    if !(0.0..=1.0).contains(&fraction) {
        return Err(DataError::InvalidArgument {
            message: format!("split fraction {fraction} is outside [0, 1]"),
        });
    }
    let groups = groups(labels, n)?;
    let sizes: Vec<usize> = groups.iter().map(Vec::len).collect();
    let take = (fraction * n as f64).round() as usize;
    let quotas = allocate(&sizes, fraction, take, false);
    Ok(pick(groups, &quotas, seed))
}

/// A class-balanced `fraction` of the labelled images, at least one image per class.
pub fn label_fraction(labels: &[u32], fraction: f64, seed: u64) -> Result<Vec<usize>, DataError> {
    if !(fraction > 0.0 && fraction <= 1.0) {
        return Err(DataError::InvalidArgument {
            message: format!("label fraction {fraction} is outside (0, 1]"),
        });
    }
    let groups = groups(Some(labels), labels.len())?;
    let sizes: Vec<usize> = groups.iter().map(Vec::len).collect();
    let take = (fraction * labels.len() as f64).round() as usize;
    let quotas = allocate(&sizes, fraction, take, true);
    Ok(pick(groups, &quotas, seed).0)
}

/// At most `limit` images of `0..n`, each class contributing in proportion to its size.
pub fn limit(
    labels: Option<&[u32]>,
    n: usize,
    limit: usize,
    seed: u64,
) -> Result<Vec<usize>, DataError> {
    if limit >= n {
        return Ok((0..n).collect());
    }
    let fraction = limit as f64 / n as f64;
    let groups = groups(labels, n)?;
    let sizes: Vec<usize> = groups.iter().map(Vec::len).collect();
    let quotas = allocate(&sizes, fraction, limit, false);
    Ok(pick(groups, &quotas, seed).0)
}

/// Indices grouped by label (groups in label order); one group without labels.
fn groups(labels: Option<&[u32]>, n: usize) -> Result<Vec<Vec<usize>>, DataError> {
    let Some(labels) = labels else {
        return Ok(vec![(0..n).collect()]);
    };
    if labels.len() != n {
        return Err(DataError::Internal {
            message: format!("{} labels for {n} images", labels.len()),
        });
    }
    let classes = labels.iter().map(|&l| l as usize + 1).max().unwrap_or(0);
    let mut out = vec![Vec::new(); classes];
    for (i, &l) in labels.iter().enumerate() {
        out[l as usize].push(i);
    }
    Ok(out)
}

/// Per-group quotas: floor of the exact quota, then the remaining units to the largest
/// fractional parts (ties to the earlier group), so the quotas add up to `take`.
fn allocate(sizes: &[usize], fraction: f64, take: usize, at_least_one: bool) -> Vec<usize> {
    let exact: Vec<f64> = sizes.iter().map(|&s| fraction * s as f64).collect();
    let mut quotas: Vec<usize> = exact
        .iter()
        .zip(sizes)
        .map(|(e, &s)| (e.floor() as usize).min(s))
        .collect();
    if at_least_one {
        for (q, &s) in quotas.iter_mut().zip(sizes) {
            if s > 0 && *q == 0 {
                *q = 1;
            }
        }
    }
    let mut order: Vec<usize> = (0..sizes.len()).collect();
    order.sort_by(|&a, &b| {
        let fa = exact[a] - exact[a].floor();
        let fb = exact[b] - exact[b].floor();
        fb.total_cmp(&fa).then(a.cmp(&b))
    });
    let mut total: usize = quotas.iter().sum();
    for &g in order.iter().cycle().take(sizes.len() * 2) {
        if total >= take {
            break;
        }
        if quotas[g] < sizes[g] && (exact[g] - exact[g].floor()) > 0.0 {
            quotas[g] += 1;
            total += 1;
        }
    }
    quotas
}

/// Shuffles each group with one seeded RNG and takes its quota from the front.
fn pick(groups: Vec<Vec<usize>>, quotas: &[usize], seed: u64) -> (Vec<usize>, Vec<usize>) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut first = Vec::new();
    let mut rest = Vec::new();
    for (mut g, &q) in groups.into_iter().zip(quotas) {
        g.shuffle(&mut rng);
        let q = q.min(g.len());
        first.extend_from_slice(&g[..q]);
        rest.extend_from_slice(&g[q..]);
    }
    first.sort_unstable();
    rest.sort_unstable();
    (first, rest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotas_add_up_and_respect_sizes() {
        let q = allocate(&[3, 3, 3], 0.5, 5, false);
        assert_eq!(q.iter().sum::<usize>(), 5);
        assert!(q.iter().all(|&x| x == 1 || x == 2));
        let q = allocate(&[10, 0, 1], 0.01, 0, true);
        assert_eq!(q, vec![1, 0, 1]);
    }
}
