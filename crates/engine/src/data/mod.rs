//! Datasets, splits, augmentations, the batch loader and augmentation previews.
//!
//! Contract: [`load`] turns a [`DatasetSpec`] into an in-memory [`Dataset`] (pixels kept as
//! `u8`, CHW per image, plus the value that maps to 1.0); [`split`] picks seeded,
//! class-balanced index lists; [`augment::Augmenter`] turns one image into `views` f32 CHW
//! views from a caller-provided seeded RNG; [`loader::Loader`] batches them into tensors on
//! worker threads, identically whatever the number of workers; [`preview`] writes a PNG grid.
//! Nothing here prints; every failure is a [`DataError`].

pub mod augment;
pub mod builtin;
pub mod cifar;
pub mod color;
pub mod folder;
pub mod geometry;
pub mod image;
pub mod loader;
pub mod preview;
pub mod split;

use std::path::{Path, PathBuf};

use nas_ir::{DataSource, DatasetSpec};

pub use augment::{AugmentError, Augmenter, Image};
pub use loader::{Batch, EpochIter, Loader, LoaderConfig};
pub use preview::write_preview_grid;

/// Which part of a dataset to load.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    Train,
    Test,
}

impl Part {
    pub fn name(self) -> &'static str {
        match self {
            Part::Train => "train",
            Part::Test => "test",
        }
    }
}

/// Everything that can go wrong while reading, splitting, augmenting or batching data.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: record {record} is truncated ({have} of {need} bytes); the file holds {len} bytes, not a multiple of the {need}-byte record")]
    Truncated {
        path: PathBuf,
        record: usize,
        have: usize,
        need: usize,
        len: usize,
    },
    #[error("{path}: record {record} has label {label}, but the dataset has {classes} classes")]
    BadLabel {
        path: PathBuf,
        record: usize,
        label: u32,
        classes: usize,
    },
    #[error("{path}: holds no records")]
    Empty { path: PathBuf },
    #[error("{path}: record {record} is not a readable image: {message}")]
    BadImage {
        path: PathBuf,
        record: usize,
        message: String,
    },
    #[error("{path}: {message}")]
    BadLayout { path: PathBuf, message: String },
    #[error("{path} is {what}, not a regular file; a data file must be a regular file")]
    NotAFile { path: PathBuf, what: &'static str },
    #[error("dataset `{dataset}` {message}")]
    SpecMismatch { dataset: String, message: String },
    #[error("dataset `{dataset}` has no {part} part")]
    NoPart { dataset: String, part: &'static str },
    #[error("index {index} is out of range for a dataset of {len} images")]
    IndexOutOfRange { index: usize, len: usize },
    #[error("invalid argument: {message}")]
    InvalidArgument { message: String },
    #[error(transparent)]
    Augment(#[from] AugmentError),
    #[error("cannot build a tensor: {source}")]
    Tensor {
        #[from]
        source: candle_core::Error,
    },
    #[error("cannot write the image {path}: {message}")]
    WriteImage { path: PathBuf, message: String },
    #[error("internal error: {message}; please report")]
    Internal { message: String },
}

/// An in-memory image dataset.
///
/// Pixels are `u8` in CHW order per image, images back to back; `pixel_max` is the stored
/// value that means full intensity (255 for CIFAR and image folders, 16 for digits), so
/// `value / pixel_max` is in [0, 1]. Keeping bytes costs a quarter of the memory of f32.
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    pub pixels: Vec<u8>,
    pub labels: Option<Vec<u32>>,
    pub channels: usize,
    pub size: usize,
    /// Number of classes when labels exist.
    pub classes: Option<usize>,
    pub pixel_max: f32,
    /// Where the images came from (for messages).
    pub name: String,
}

impl Dataset {
    /// Values per image (`channels * size * size`).
    pub fn image_len(&self) -> usize {
        self.channels * self.size * self.size
    }

    pub fn len(&self) -> usize {
        self.pixels.len().checked_div(self.image_len()).unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The stored bytes of image `index` (CHW).
    pub fn image_u8(&self, index: usize) -> Result<&[u8], DataError> {
        let n = self.image_len();
        let start = index.checked_mul(n).filter(|s| s + n <= self.pixels.len());
        match start {
            Some(s) => Ok(&self.pixels[s..s + n]),
            None => Err(DataError::IndexOutOfRange {
                index,
                len: self.len(),
            }),
        }
    }

    /// Image `index` as f32 CHW in [0, 1].
    pub fn image(&self, index: usize) -> Result<Image, DataError> {
        let bytes = self.image_u8(index)?;
        let inv = 1.0 / self.pixel_max;
        Ok(Image {
            channels: self.channels,
            height: self.size,
            width: self.size,
            data: bytes.iter().map(|&b| b as f32 * inv).collect(),
        })
    }

    /// The label of image `index`, when the dataset has labels.
    pub fn label(&self, index: usize) -> Option<u32> {
        self.labels.as_ref().and_then(|l| l.get(index).copied())
    }

    /// A new dataset holding the images at `indices`, in that order.
    pub fn select(&self, indices: &[usize]) -> Result<Dataset, DataError> {
        let mut pixels = Vec::with_capacity(indices.len() * self.image_len());
        for &i in indices {
            pixels.extend_from_slice(self.image_u8(i)?);
        }
        let labels = self
            .labels
            .as_ref()
            .map(|l| indices.iter().map(|&i| l[i]).collect());
        Ok(Dataset {
            pixels,
            labels,
            ..self.clone_meta()
        })
    }

    fn clone_meta(&self) -> Dataset {
        Dataset {
            pixels: Vec::new(),
            labels: None,
            channels: self.channels,
            size: self.size,
            classes: self.classes,
            pixel_max: self.pixel_max,
            name: self.name.clone(),
        }
    }

    /// Mean of the stored values over all pixels (in stored units, e.g. 0..16 for digits).
    pub fn mean_stored_value(&self) -> f64 {
        if self.pixels.is_empty() {
            return 0.0;
        }
        let sum: u64 = self.pixels.iter().map(|&b| b as u64).sum();
        sum as f64 / self.pixels.len() as f64
    }
}

/// Loads one part of a dataset.
///
/// The test part honours `test_limit` (the first images). The training part is returned in
/// full: `limit` is a seeded class-balanced pick, so the caller applies it with the
/// pipeline seed through [`load_train`] or [`split::limit`].
pub fn load(spec: &DatasetSpec, part: Part) -> Result<Dataset, DataError> {
    let mut data = match &spec.source {
        DataSource::Cifar10 { dir, train, test } => {
            let files = if part == Part::Train { train } else { test };
            cifar::load_files(dir, files, cifar::Variant::Cifar10, spec)?
        }
        DataSource::Cifar100 { dir, train, test } => {
            let files = if part == Part::Train { train } else { test };
            cifar::load_files(dir, files, cifar::Variant::Cifar100, spec)?
        }
        DataSource::ImageFolder { dir, test } => match (part, test) {
            (Part::Train, _) => folder::load(Path::new(dir), Path::new(dir), spec)?,
            (Part::Test, Some(t)) => folder::load(Path::new(t), Path::new(dir), spec)?,
            (Part::Test, None) => {
                return Err(DataError::NoPart {
                    dataset: dir.clone(),
                    part: "test",
                })
            }
        },
        DataSource::Digits => builtin::digits(part, spec)?,
    };
    if let (Part::Test, Some(limit)) = (part, spec.test_limit) {
        if limit < data.len() {
            let first: Vec<usize> = (0..limit).collect();
            data = data.select(&first)?;
        }
    }
    Ok(data)
}

/// Loads the training part and applies `limit` as a class-balanced pick seeded by `seed`.
pub fn load_train(spec: &DatasetSpec, seed: u64) -> Result<Dataset, DataError> {
    let data = load(spec, Part::Train)?;
    match spec.limit {
        Some(limit) if limit < data.len() => {
            let picked = split::limit(data.labels.as_deref(), data.len(), limit, seed)?;
            data.select(&picked)
        }
        _ => Ok(data),
    }
}

/// Checks that the data read from files agrees with the spec's channels and size.
pub(crate) fn check_shape(
    spec: &DatasetSpec,
    name: &str,
    channels: usize,
    size: usize,
) -> Result<(), DataError> {
    if spec.channels != channels || spec.image_size != size {
        return Err(DataError::SpecMismatch {
            dataset: name.to_string(),
            message: format!(
                "holds {channels}-channel {size}x{size} images, but the pipeline declares {}-channel {}x{} images",
                spec.channels, spec.image_size, spec.image_size
            ),
        });
    }
    Ok(())
}

/// Refuse anything but a regular file (symbolic links followed) before it is opened: a FIFO
/// would block the run forever and a device such as `/dev/zero` would be read until memory
/// runs out.
pub fn require_regular_file(path: &Path) -> Result<(), DataError> {
    let meta = std::fs::metadata(path).map_err(|source| DataError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    if meta.is_file() {
        return Ok(());
    }
    let what = if meta.is_dir() {
        "a folder"
    } else {
        special_kind(&meta)
    };
    Err(DataError::NotAFile {
        path: path.to_path_buf(),
        what,
    })
}

#[cfg(unix)]
fn special_kind(meta: &std::fs::Metadata) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    let t = meta.file_type();
    if t.is_fifo() {
        "a named pipe (FIFO)"
    } else if t.is_char_device() || t.is_block_device() {
        "a device"
    } else if t.is_socket() {
        "a socket"
    } else {
        "a special file"
    }
}

#[cfg(not(unix))]
fn special_kind(_meta: &std::fs::Metadata) -> &'static str {
    "a special file"
}
