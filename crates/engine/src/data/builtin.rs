//! Built-in datasets embedded in the binary, so that a quick start needs no download.
//!
//! `digits`: scikit-learn's 8x8 handwritten digits (1,500 train / 297 test images, one
//! channel, stored values 0..16, `pixel_max` 16 so images scale to [0, 1]), in the CIFAR
//! binary layout with 1 label byte and 64 pixel bytes per record.

use std::path::Path;

use super::cifar::{self, Layout};
use super::{check_shape, DataError, Dataset, Part};
use nas_ir::DatasetSpec;

const DIGITS_TRAIN: &[u8] = include_bytes!("../../../../data/digits/data_batch_1.bin");
const DIGITS_TEST: &[u8] = include_bytes!("../../../../data/digits/test_batch.bin");

/// Record geometry of the embedded digits.
pub const DIGITS_LAYOUT: Layout = Layout {
    label_bytes: 1,
    channels: 1,
    size: 8,
    classes: 10,
};

/// The embedded digits, checked against the spec's declared shape and classes.
pub fn digits(part: Part, spec: &DatasetSpec) -> Result<Dataset, DataError> {
    check_shape(spec, "digits", DIGITS_LAYOUT.channels, DIGITS_LAYOUT.size)?;
    if let Some(c) = spec.classes {
        if c != DIGITS_LAYOUT.classes {
            return Err(DataError::SpecMismatch {
                dataset: "digits".into(),
                message: format!("has 10 classes, but the pipeline declares {c}"),
            });
        }
    }
    digits_part(part)
}

/// The embedded digits without a spec (previews, tests).
pub fn digits_part(part: Part) -> Result<Dataset, DataError> {
    let (bytes, name) = match part {
        Part::Train => (DIGITS_TRAIN, "<builtin>/digits/data_batch_1.bin"),
        Part::Test => (DIGITS_TEST, "<builtin>/digits/test_batch.bin"),
    };
    let (pixels, labels) = cifar::parse(bytes, Path::new(name), &DIGITS_LAYOUT)?;
    Ok(Dataset {
        pixels,
        labels: Some(labels),
        channels: 1,
        size: 8,
        classes: Some(10),
        pixel_max: 16.0,
        name: "digits".into(),
    })
}
