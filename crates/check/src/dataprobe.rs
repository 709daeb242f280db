//! The data probe: what the checker can know about a pipeline's dataset before a run, from
//! file sizes and folder listings alone (no image is decoded, nothing is allocated per
//! image). Paths are read as the run reads them: relative to the working directory.
//!
//! Contract: [`probe`] never fails. It returns the number of training and test images (after
//! `limit` and `test_limit`) where it can count them, the geometry of formats that fix it
//! (digits 1x8x8 with 10 classes, CIFAR 3x32x32 with 10 or 100), the class folders of an
//! image folder, and every path that does not exist or is not what the source needs. A count
//! it cannot be sure of (a CIFAR file whose length is not a whole number of records, whose
//! exact error the run reports) is `None`, and checks that need it are skipped.

use std::path::{Path, PathBuf};

use nas_ir::{DataSource, DatasetSpec};

/// Bytes of one record of the built-in digits (1 label byte, 8x8 one-channel pixels): the
/// same files the engine embeds, counted here by length only.
const DIGITS_RECORD: usize = 1 + 64;
const DIGITS_TRAIN_BYTES: usize = include_bytes!("../../../data/digits/data_batch_1.bin").len();
const DIGITS_TEST_BYTES: usize = include_bytes!("../../../data/digits/test_batch.bin").len();

/// Deepest folder nesting walked inside one class folder (the engine walks every level;
/// real class folders are flat or one level deep).
const MAX_DEPTH: usize = 16;

/// What the probe found.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DataFacts {
    /// Training images after `limit`; `None` when they cannot be counted.
    pub train: Option<usize>,
    /// Test images after `test_limit`; `Some(0)` when the source has no test part.
    pub test: Option<usize>,
    /// Whether the source has a test part at all (an image folder may have none).
    pub has_test: bool,
    /// The images' geometry and classes, where the format fixes them or the folder shows
    /// them: (channels, side) and the class count.
    pub geometry: Option<(usize, usize)>,
    pub classes: Option<usize>,
}

/// A path the source needs that is not there, or not what it should be.
#[derive(Debug, Clone, PartialEq)]
pub struct MissingPath {
    pub path: PathBuf,
    /// "does not exist", "is a folder, not a file", ...
    pub what: String,
    /// Which part of the source needs it: "folder", "training file", "test folder", ...
    pub role: &'static str,
}

/// Probe `spec`'s source.
pub fn probe(spec: &DatasetSpec) -> (DataFacts, Vec<MissingPath>) {
    let mut missing = Vec::new();
    let mut facts = match &spec.source {
        DataSource::Digits => DataFacts {
            train: Some(DIGITS_TRAIN_BYTES / DIGITS_RECORD),
            test: Some(DIGITS_TEST_BYTES / DIGITS_RECORD),
            has_test: true,
            geometry: Some((1, 8)),
            classes: Some(10),
        },
        DataSource::Cifar10 { dir, train, test } => cifar(dir, train, test, 1, 10, &mut missing),
        DataSource::Cifar100 { dir, train, test } => cifar(dir, train, test, 2, 100, &mut missing),
        DataSource::ImageFolder { dir, test } => folder(dir, test.as_deref(), &mut missing),
    };
    if let (Some(n), Some(limit)) = (facts.train, spec.limit) {
        facts.train = Some(n.min(limit));
    }
    if let (Some(n), Some(limit)) = (facts.test, spec.test_limit) {
        facts.test = Some(n.min(limit));
    }
    (facts, missing)
}

fn cifar(
    dir: &str,
    train: &[String],
    test: &[String],
    label_bytes: usize,
    classes: usize,
    missing: &mut Vec<MissingPath>,
) -> DataFacts {
    let record = label_bytes + 3 * 32 * 32;
    let facts = DataFacts {
        has_test: true,
        geometry: Some((3, 32)),
        classes: Some(classes),
        ..DataFacts::default()
    };
    if let Some(what) = not_a_folder(Path::new(dir)) {
        missing.push(MissingPath {
            path: PathBuf::from(dir),
            what,
            role: "data folder",
        });
        return facts;
    }
    let mut count = |files: &[String], role| {
        let mut total = Some(0usize);
        for f in files {
            let path = Path::new(dir).join(f);
            match std::fs::metadata(&path) {
                Ok(m) if m.is_file() => {
                    let len = m.len() as usize;
                    let whole = (len > 0 && len.is_multiple_of(record)).then_some(len / record);
                    total = total.zip(whole).map(|(a, b)| a + b);
                }
                Ok(m) => {
                    let what = if m.is_dir() {
                        "is a folder, not a file"
                    } else {
                        "is not a regular file"
                    };
                    missing.push(MissingPath {
                        path,
                        what: what.into(),
                        role,
                    });
                    total = None;
                }
                Err(e) => {
                    missing.push(MissingPath {
                        path,
                        what: io_what(&e),
                        role,
                    });
                    total = None;
                }
            }
        }
        total.filter(|_| !files.is_empty())
    };
    let train = count(train, "training file");
    let test = count(test, "test file");
    DataFacts {
        train,
        test,
        ..facts
    }
}

fn folder(dir: &str, test: Option<&str>, missing: &mut Vec<MissingPath>) -> DataFacts {
    let mut facts = DataFacts {
        has_test: test.is_some(),
        test: test.is_none().then_some(0),
        ..DataFacts::default()
    };
    if let Some(what) = not_a_folder(Path::new(dir)) {
        missing.push(MissingPath {
            path: PathBuf::from(dir),
            what,
            role: "image folder",
        });
        return facts;
    }
    let classes = class_folders(Path::new(dir));
    facts.classes = (!classes.is_empty()).then_some(classes.len());
    facts.train = count_images(Path::new(dir), &classes);
    if let Some(t) = test {
        match not_a_folder(Path::new(t)) {
            Some(what) => missing.push(MissingPath {
                path: PathBuf::from(t),
                what,
                role: "test folder",
            }),
            None => facts.test = count_images(Path::new(t), &classes),
        }
    }
    facts
}

/// Why `path` is not a readable folder, or `None` when it is one.
fn not_a_folder(path: &Path) -> Option<String> {
    match std::fs::metadata(path) {
        Ok(m) if m.is_dir() => None,
        Ok(_) => Some("is a file, not a folder".into()),
        Err(e) => Some(io_what(&e)),
    }
}

fn io_what(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "does not exist".into(),
        std::io::ErrorKind::PermissionDenied => "cannot be read (permission denied)".into(),
        _ => format!("cannot be read ({e})"),
    }
}

/// Visible entries of `dir`, sorted (names starting with `.` are skipped, as the engine does).
fn entries(dir: &Path) -> Vec<PathBuf> {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<PathBuf> = rd
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| !n.starts_with('.'))
        })
        .collect();
    out.sort();
    out
}

/// The class folder names of a training folder; empty when it holds loose images only.
fn class_folders(dir: &Path) -> Vec<String> {
    entries(dir)
        .iter()
        .filter(|p| p.is_dir())
        .filter_map(|p| p.file_name().and_then(|n| n.to_str()).map(String::from))
        .collect()
}

/// Every file the engine would read as an image: the loose files of an unlabelled folder,
/// or the files under each class folder. `None` when the layout is one the engine refuses
/// (it says why at run time).
fn count_images(dir: &Path, classes: &[String]) -> Option<usize> {
    if classes.is_empty() {
        let files = entries(dir);
        return files.iter().all(|p| p.is_file()).then_some(files.len());
    }
    let mut total = 0;
    for sub in entries(dir) {
        let name = sub.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        if !sub.is_dir() || !classes.iter().any(|c| c == name) {
            return None;
        }
        total += files_below(&sub, 0);
    }
    Some(total)
}

fn files_below(dir: &Path, depth: usize) -> usize {
    if depth > MAX_DEPTH {
        return 0;
    }
    entries(dir)
        .iter()
        .map(|p| {
            if p.is_dir() {
                files_below(p, depth + 1)
            } else {
                usize::from(p.is_file())
            }
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_digits_count_as_the_engine_reads_them() {
        assert!(DIGITS_TRAIN_BYTES.is_multiple_of(DIGITS_RECORD));
        assert_eq!(DIGITS_TRAIN_BYTES / DIGITS_RECORD, 1500);
        assert_eq!(DIGITS_TEST_BYTES / DIGITS_RECORD, 297);
    }
}
