//! NAS-Bench-201's accuracy table: one row per cell, `index,arch,cifar10_test_acc,
//! cifar100_test_acc,imagenet16_120_test_acc` (the columns may come in any order; others are
//! ignored), and where a cell ranks among all of them.
//!
//! Contract: `Table::read` accepts a file only when every row has the four needed columns, a
//! well-formed cell string (`|op~0|+|op~0|op~1|+|op~0|op~1|op~2|`) and finite accuracies in
//! [0, 100], each cell once; any other file is `TableError::Malformed` naming its line
//! (1-based, the header is line 1). A FIFO or device is refused before it is opened.

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};

/// The columns a look-up needs.
pub const ARCH: &str = "arch";
pub const CIFAR10: &str = "cifar10_test_acc";
pub const CIFAR100: &str = "cifar100_test_acc";
pub const IMAGENET16: &str = "imagenet16_120_test_acc";

/// Largest table read (the real one is 1.7 MB).
pub const MAX_BYTES: u64 = 64 << 20;

/// The true accuracies of one cell, in percent.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Accuracies {
    pub cifar10: f64,
    pub cifar100: f64,
    pub imagenet16: f64,
}

/// Where an accuracy ranks among every cell of the table.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rank {
    /// Percent of cells strictly below it (100 = better than every other cell).
    pub percentile: f64,
    /// Percent of cells at or above it ("in the top 2.6 %").
    pub top_percent: f64,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TableError {
    #[error("cannot read the table `{path}`: {reason}")]
    Unreadable { path: PathBuf, reason: String },
    #[error("the table `{path}` is malformed at line {line}: {reason}")]
    Malformed {
        path: PathBuf,
        line: usize,
        reason: String,
    },
}

/// A whole table, indexed by cell string.
#[derive(Debug, Clone)]
pub struct Table {
    rows: HashMap<String, Accuracies>,
    /// Each column's accuracies, sorted ascending (for ranks).
    sorted: [Vec<f64>; 3],
    /// FNV-1a of the table's text (hex).
    pub hash: String,
}

impl Table {
    /// Read and validate the table at `path`.
    pub fn read(path: &Path) -> Result<Table, TableError> {
        let unreadable = |reason: String| TableError::Unreadable {
            path: path.to_path_buf(),
            reason,
        };
        let meta = std::fs::metadata(path).map_err(|e| unreadable(e.to_string()))?;
        if !meta.is_file() {
            return Err(unreadable("it is not a regular file".into()));
        }
        if meta.len() > MAX_BYTES {
            return Err(unreadable(format!(
                "it is {} bytes; tables of at most {MAX_BYTES} bytes are read",
                meta.len()
            )));
        }
        let mut text = String::new();
        std::fs::File::open(path)
            .and_then(|f| f.take(MAX_BYTES).read_to_string(&mut text))
            .map_err(|e| unreadable(e.to_string()))?;
        Table::parse(&text).map_err(|(line, reason)| TableError::Malformed {
            path: path.to_path_buf(),
            line,
            reason,
        })
    }

    /// Parse a table's text; an error is (line, reason).
    pub fn parse(text: &str) -> Result<Table, (usize, String)> {
        let mut lines = text.lines().enumerate().map(|(i, l)| (i + 1, l));
        let (_, header) = lines
            .next()
            .ok_or((1, "the file is empty; expected a header line".to_string()))?;
        let names: Vec<&str> = header.split(',').map(str::trim).collect();
        let column = |want: &str| {
            names.iter().position(|n| *n == want).ok_or((
                1,
                format!(
                    "the header has no column `{want}` (found: {})",
                    names.join(", ")
                ),
            ))
        };
        let cols = [
            column(ARCH)?,
            column(CIFAR10)?,
            column(CIFAR100)?,
            column(IMAGENET16)?,
        ];
        let mut rows = HashMap::new();
        for (no, line) in lines {
            if line.trim().is_empty() {
                continue;
            }
            let fields: Vec<&str> = line.split(',').map(str::trim).collect();
            if fields.len() != names.len() {
                return Err((
                    no,
                    format!(
                        "{} fields, but the header has {}",
                        fields.len(),
                        names.len()
                    ),
                ));
            }
            let arch = fields[cols[0]];
            check_arch(arch).map_err(|why| (no, format!("`{arch}` is not a cell: {why}")))?;
            let acc = |i: usize| -> Result<f64, (usize, String)> {
                let name = names[cols[i]];
                let text = fields[cols[i]];
                match text.parse::<f64>() {
                    Ok(x) if x.is_finite() && (0.0..=100.0).contains(&x) => Ok(x),
                    _ => Err((
                        no,
                        format!("`{name}` is `{text}`; expected a percentage in [0, 100]"),
                    )),
                }
            };
            let a = Accuracies {
                cifar10: acc(1)?,
                cifar100: acc(2)?,
                imagenet16: acc(3)?,
            };
            if rows.insert(arch.to_string(), a).is_some() {
                return Err((no, format!("the cell `{arch}` is listed twice")));
            }
        }
        if rows.is_empty() {
            return Err((1, "the table has a header but no rows".into()));
        }
        let column_of = |f: fn(&Accuracies) -> f64| {
            let mut v: Vec<f64> = rows.values().map(f).collect();
            v.sort_by(f64::total_cmp);
            v
        };
        let sorted = [
            column_of(|a| a.cifar10),
            column_of(|a| a.cifar100),
            column_of(|a| a.imagenet16),
        ];
        Ok(Table {
            rows,
            sorted,
            hash: format!("{:016x}", nas_ir::fnv::fnv1a(text.as_bytes())),
        })
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The accuracies of `arch` (a cell string).
    pub fn get(&self, arch: &str) -> Option<Accuracies> {
        self.rows.get(arch).copied()
    }

    /// Ranks of `a` on CIFAR-10, CIFAR-100 and ImageNet16-120.
    pub fn ranks(&self, a: &Accuracies) -> [Rank; 3] {
        let values = [a.cifar10, a.cifar100, a.imagenet16];
        std::array::from_fn(|i| rank(&self.sorted[i], values[i]))
    }

    /// Every cell and its accuracies, in no particular order (for drawing random cells).
    pub fn cells(&self) -> impl Iterator<Item = (&str, &Accuracies)> {
        self.rows.iter().map(|(k, v)| (k.as_str(), v))
    }
}

fn rank(sorted: &[f64], x: f64) -> Rank {
    let n = sorted.len() as f64;
    let below = sorted.partition_point(|v| *v < x) as f64;
    Rank {
        percentile: 100.0 * below / n,
        top_percent: 100.0 * (n - below) / n,
    }
}

/// Check the shape of a cell string: three nodes with 1, 2 and 3 edges `op~input`, input of
/// edge j of node i being j.
pub fn check_arch(arch: &str) -> Result<(), String> {
    let nodes = nas_ir::source::parse_nb201(arch)?;
    if nodes.len() != 3 {
        return Err(format!("{} nodes, expected 3", nodes.len()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const CELL_A: &str = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|";
    const CELL_B: &str = "|none~0|+|none~0|none~1|+|none~0|none~1|none~2|";

    fn table() -> Table {
        Table::parse(&format!(
            "index,arch,cifar10_test_acc,cifar100_test_acc,imagenet16_120_test_acc\n0,{CELL_A},94.37,73.51,41.44\n1,{CELL_B},10.0,1.0,0.8333\n"
        ))
        .expect("valid")
    }

    #[test]
    fn looks_up_and_ranks_cells() {
        let t = table();
        assert_eq!(t.len(), 2);
        let a = t.get(CELL_A).expect("present");
        assert_eq!(a.cifar10, 94.37);
        let [c10, _, _] = t.ranks(&a);
        assert_eq!((c10.percentile, c10.top_percent), (50.0, 50.0));
        let [low, _, _] = t.ranks(&t.get(CELL_B).expect("present"));
        assert_eq!((low.percentile, low.top_percent), (0.0, 100.0));
        assert!(t.get("|x~0|").is_none());
    }

    #[test]
    fn malformed_tables_name_their_line() {
        let head = "index,arch,cifar10_test_acc,cifar100_test_acc,imagenet16_120_test_acc\n";
        let cases = [
            ("", 1, "empty"),
            ("index,arch\n", 1, "no column `cifar10_test_acc`"),
            (head, 1, "no rows"),
            (
                &format!("{head}0,{CELL_A},94.3,73.5\n") as &str,
                2,
                "4 fields",
            ),
            (&format!("{head}0,{CELL_A},94.3,73.5,x\n"), 2, "`x`"),
            (&format!("{head}0,{CELL_A},194.3,73.5,40\n"), 2, "[0, 100]"),
            (&format!("{head}0,|a~0|,94.3,73.5,40\n"), 2, "not a cell"),
            (
                &format!("{head}0,{CELL_A},1,1,1\n1,{CELL_A},1,1,1\n"),
                3,
                "twice",
            ),
        ];
        for (text, line, why) in cases {
            let (at, reason) = Table::parse(text).expect_err(why);
            assert_eq!(at, line, "{why}: {reason}");
            assert!(reason.contains(why), "{why}: {reason}");
        }
    }

    #[test]
    fn cell_strings_are_checked() {
        assert!(check_arch(CELL_A).is_ok());
        assert!(check_arch("|a~0|+|b~0|c~1|").is_err());
        assert!(check_arch("|a~0|+|b~0|c~0|+|a~0|b~1|c~2|").is_err());
        assert!(check_arch("|a~0|+|b~0|c~1|+|a~0|b~1|").is_err());
    }

    #[test]
    fn a_missing_file_or_a_folder_is_unreadable() {
        for p in ["/nonexistent/table.csv", "/tmp"] {
            assert!(matches!(
                Table::read(Path::new(p)),
                Err(TableError::Unreadable { .. })
            ));
        }
    }
}
