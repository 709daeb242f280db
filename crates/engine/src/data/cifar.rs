//! CIFAR binary batches: records of label byte(s) followed by the image planes (CHW).
//!
//! CIFAR-10 records are 1 label byte + 3072 pixel bytes; CIFAR-100 records are a coarse and
//! a fine label byte + 3072 (the fine label is used). The same layout with other channels
//! and sides (digits: 1 + 64) is parsed by [`parse`] given a [`Layout`]. A file whose length
//! is not a whole number of records, or a label out of range, is an error naming the file
//! and the record (0-based).

use std::path::{Path, PathBuf};

use super::{check_shape, DataError, Dataset};
use nas_ir::DatasetSpec;

/// Which CIFAR flavour a batch file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Variant {
    Cifar10,
    Cifar100,
}

impl Variant {
    pub fn layout(self) -> Layout {
        match self {
            Variant::Cifar10 => Layout {
                label_bytes: 1,
                channels: 3,
                size: 32,
                classes: 10,
            },
            Variant::Cifar100 => Layout {
                label_bytes: 2,
                channels: 3,
                size: 32,
                classes: 100,
            },
        }
    }
}

/// Geometry of one record: `label_bytes` (the last one is the label used), then
/// `channels * size * size` pixel bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Layout {
    pub label_bytes: usize,
    pub channels: usize,
    pub size: usize,
    pub classes: usize,
}

impl Layout {
    pub fn record_len(&self) -> usize {
        self.label_bytes + self.channels * self.size * self.size
    }
}

/// Parses the bytes of one batch file into (pixels, labels). `path` is only for messages.
pub fn parse(bytes: &[u8], path: &Path, layout: &Layout) -> Result<(Vec<u8>, Vec<u32>), DataError> {
    let need = layout.record_len();
    if bytes.is_empty() {
        return Err(DataError::Empty {
            path: path.to_path_buf(),
        });
    }
    let whole = bytes.len() / need;
    let rest = bytes.len() % need;
    if rest != 0 {
        return Err(DataError::Truncated {
            path: path.to_path_buf(),
            record: whole,
            have: rest,
            need,
            len: bytes.len(),
        });
    }
    let mut pixels = Vec::with_capacity(whole * (need - layout.label_bytes));
    let mut labels = Vec::with_capacity(whole);
    for (record, chunk) in bytes.chunks_exact(need).enumerate() {
        let label = chunk[layout.label_bytes - 1] as u32;
        if label as usize >= layout.classes {
            return Err(DataError::BadLabel {
                path: path.to_path_buf(),
                record,
                label,
                classes: layout.classes,
            });
        }
        labels.push(label);
        pixels.extend_from_slice(&chunk[layout.label_bytes..]);
    }
    Ok((pixels, labels))
}

/// Reads and concatenates the batch files `dir/<file>` in the given order.
pub fn load_files(
    dir: &str,
    files: &[String],
    variant: Variant,
    spec: &DatasetSpec,
) -> Result<Dataset, DataError> {
    let layout = variant.layout();
    check_shape(spec, dir, layout.channels, layout.size)?;
    if let Some(c) = spec.classes {
        if c != layout.classes {
            return Err(DataError::SpecMismatch {
                dataset: dir.to_string(),
                message: format!(
                    "has {} classes, but the pipeline declares {c}",
                    layout.classes
                ),
            });
        }
    }
    if files.is_empty() {
        return Err(DataError::InvalidArgument {
            message: format!("no batch files given for `{dir}`"),
        });
    }
    let mut pixels = Vec::new();
    let mut labels = Vec::new();
    for file in files {
        let path: PathBuf = Path::new(dir).join(file);
        super::require_regular_file(&path)?;
        let bytes = std::fs::read(&path).map_err(|source| DataError::Io {
            path: path.clone(),
            source,
        })?;
        let (p, l) = parse(&bytes, &path, &layout)?;
        pixels.extend(p);
        labels.extend(l);
    }
    Ok(Dataset {
        pixels,
        labels: Some(labels),
        channels: layout.channels,
        size: layout.size,
        classes: Some(layout.classes),
        pixel_max: 255.0,
        name: dir.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tiny() -> Layout {
        Layout {
            label_bytes: 2,
            channels: 1,
            size: 2,
            classes: 5,
        }
    }

    #[test]
    fn uses_the_last_label_byte() {
        let bytes = [9, 3, 1, 2, 3, 4, 0, 4, 5, 6, 7, 8];
        let (p, l) = parse(&bytes, Path::new("x"), &tiny()).unwrap();
        assert_eq!(l, vec![3, 4]);
        assert_eq!(p, vec![1, 2, 3, 4, 5, 6, 7, 8]);
    }

    #[test]
    fn label_out_of_range_names_the_record() {
        let bytes = [0, 1, 1, 2, 3, 4, 0, 7, 5, 6, 7, 8];
        let err = parse(&bytes, Path::new("b.bin"), &tiny()).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("b.bin") && msg.contains("record 1"), "{msg}");
    }
}
