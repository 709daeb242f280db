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
    /// A random crop of area fraction in `scale` and aspect ratio in `ratio` (log-uniform),
    /// resized to `size`; `sampling` says how the window is drawn and resampled.
    RandomResizedCrop {
        size: usize,
        scale: (f64, f64),
        ratio: (f64, f64),
        #[serde(default, skip_serializing_if = "is_default")]
        sampling: CropSampling,
    },
    /// Pad by `padding` with zeros, then a random `size` crop.
    RandomCrop {
        size: usize,
        padding: usize,
    },
    HorizontalFlip {
        p: f64,
    },
    /// Colour jitter (factors drawn uniformly; hue in [-hue, hue]), applied with prob `p`;
    /// `order` and `hue_space` choose between torchvision's and the batched-tensor variant.
    ColorJitter {
        brightness: f64,
        contrast: f64,
        saturation: f64,
        hue: f64,
        p: f64,
        #[serde(default, skip_serializing_if = "is_default")]
        order: JitterOrder,
        #[serde(default, skip_serializing_if = "is_default")]
        hue_space: HueSpace,
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

/// How `random_resized_crop` draws and resamples its window. Fields left at their default
/// are not serialised, so adding an option leaves the hashes of existing stages unchanged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CropSampling {
    /// torchvision `RandomResizedCrop`: an integer rectangle inside the image (10 tries,
    /// centre-crop fallback), resized with PIL's antialiasing bilinear filter.
    #[default]
    Torchvision,
    /// The batched-tensor form (`affine_grid` + bilinear `grid_sample`, reflection
    /// padding): window sides `min(1, sqrt(area * ratio))` and `min(1, sqrt(area / ratio))`
    /// of the image, centre uniform where the window fits, sampled at sub-pixel positions.
    Affine,
}

/// The order colour jitter applies its four adjustments in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JitterOrder {
    /// A random permutation per image (torchvision).
    #[default]
    Shuffled,
    /// Brightness, contrast, saturation, hue.
    Fixed,
}

/// The colour space colour jitter's hue shift works in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HueSpace {
    /// Shift H in HSV, mod 1 (torchvision).
    #[default]
    Hsv,
    /// Rotate the chroma plane (I, Q) of YIQ by `shift` turns, then clamp RGB to [0, 1].
    Yiq,
}

fn is_default<T: Default + PartialEq>(v: &T) -> bool {
    *v == T::default()
}
