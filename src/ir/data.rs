//! IR of data: datasets and augmentation pipelines.
//!
//! Paths are kept as written in the `.nas` file and resolved against the current
//! working directory when the pipeline runs.

use serde::{Deserialize, Serialize};

use super::Span;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DatasetSpec {
    pub source: DataSource,
    /// Image side in pixels (32 for CIFAR, 8 for digits).
    pub image_size: usize,
    /// Image channels (3 for CIFAR, 1 for digits).
    pub channels: usize,
    /// Number of classes when labels exist.
    pub classes: Option<usize>,
    /// Per-channel normalisation statistics (on values scaled to [0, 1]).
    pub mean: Vec<f64>,
    pub std: Vec<f64>,
    /// Use at most this many training images (after a seeded class-balanced pick).
    pub limit: Option<usize>,
    /// Use at most this many test images (the first ones).
    pub test_limit: Option<usize>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "source", rename_all = "snake_case")]
pub enum DataSource {
    /// CIFAR-10 binary batches: `dir/<train files>`, `dir/<test files>`.
    Cifar10 {
        dir: String,
        train: Vec<String>,
        test: Vec<String>,
    },
    /// CIFAR-100 binary: `dir/train.bin`, `dir/test.bin` (coarse + fine label; fine used).
    Cifar100 {
        dir: String,
        train: Vec<String>,
        test: Vec<String>,
    },
    /// One sub-folder per class, PNG or JPEG files, resized to `image_size`.
    /// `test` is an optional second folder of the same layout.
    ImageFolder { dir: String, test: Option<String> },
    /// scikit-learn's digits, embedded in the binary (8x8, one channel, values 0..16).
    Digits,
}

/// How one image becomes one or more tensors.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AugmentSpec {
    /// Independent views per image (2 for contrastive objectives).
    pub views: usize,
    pub steps: Vec<AugStep>,
    pub span: Span,
}

/// One augmentation; every random step has a probability `p` in [0, 1].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum AugStep {
    /// torchvision RandomResizedCrop: area fraction in `scale`, aspect ratio in `ratio`
    /// (log-uniform), bilinear resize to `size`.
    RandomResizedCrop {
        size: usize,
        scale: (f64, f64),
        ratio: (f64, f64),
    },
    /// Pad by `padding` with zeros, then a random `size` crop.
    RandomCrop {
        size: usize,
        padding: usize,
    },
    HorizontalFlip {
        p: f64,
    },
    /// torchvision ColorJitter (factors drawn uniformly; hue in [-hue, hue]), applied with prob `p`.
    ColorJitter {
        brightness: f64,
        contrast: f64,
        saturation: f64,
        hue: f64,
        p: f64,
    },
    Grayscale {
        p: f64,
    },
    /// Gaussian blur with an odd `kernel` and sigma drawn uniformly from `sigma`.
    GaussianBlur {
        kernel: usize,
        sigma: (f64, f64),
        p: f64,
    },
    /// Invert values above `threshold` (on [0, 1]).
    Solarize {
        threshold: f64,
        p: f64,
    },
    /// Per-channel (x - mean) / std; the arity equals the image channels.
    Normalize {
        mean: Vec<f64>,
        std: Vec<f64>,
    },
    /// Zero one `size` x `size` square with a uniform centre, clipped at the borders.
    Cutout {
        size: usize,
        p: f64,
    },
}
