//! The augmentation pipeline: an [`AugmentSpec`] turned into an [`Augmenter`] that makes
//! `views` independent views of an f32 CHW image in [0, 1].
//!
//! Steps run in the order written; each `AugStep` maps to one function of [`geometry`]
//! or [`color`] (see there for the exact semantics). Every random decision comes from the
//! RNG the caller passes, so the same RNG state gives the same views. `Normalize` and
//! `Cutout` after it work on normalised values; one-channel images have no colour, so
//! jitter's saturation and hue and `Grayscale` leave them unchanged.
//!
//! [`geometry`]: super::geometry
//! [`color`]: super::color

use rand::Rng;

use super::color::{self, Jitter, JitterSpec};
use super::geometry;
pub use super::image::Image;
use nas_ir::{AugStep, AugmentSpec, CropSampling};

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum AugmentError {
    #[error("augmentation step {step} (`{name}`): {message}")]
    InvalidParameter {
        step: usize,
        name: &'static str,
        message: String,
    },
    #[error("augmentation step {step} (`{name}`) cannot take a {channels}x{height}x{width} image: {message}")]
    ShapeMismatch {
        step: usize,
        name: &'static str,
        channels: usize,
        height: usize,
        width: usize,
        message: String,
    },
    #[error("an augmentation pipeline needs at least one view")]
    NoViews,
}

/// A validated augmentation pipeline.
#[derive(Debug, Clone, PartialEq)]
pub struct Augmenter {
    views: usize,
    steps: Vec<AugStep>,
}

/// The step's name as written in `.nas` files (for messages).
pub fn step_name(step: &AugStep) -> &'static str {
    match step {
        AugStep::RandomResizedCrop { .. } => "random_resized_crop",
        AugStep::RandomCrop { .. } => "random_crop",
        AugStep::HorizontalFlip { .. } => "horizontal_flip",
        AugStep::ColorJitter { .. } => "color_jitter",
        AugStep::Grayscale { .. } => "grayscale",
        AugStep::GaussianBlur { .. } => "gaussian_blur",
        AugStep::Solarize { .. } => "solarize",
        AugStep::Normalize { .. } => "normalize",
        AugStep::Cutout { .. } => "cutout",
    }
}

impl Augmenter {
    /// Validates the parameters that do not depend on the image (probabilities, ranges,
    /// odd kernels, positive std).
    pub fn new(spec: &AugmentSpec) -> Result<Self, AugmentError> {
        Self::from_steps(spec.views, spec.steps.clone())
    }

    pub fn from_steps(views: usize, steps: Vec<AugStep>) -> Result<Self, AugmentError> {
        if views == 0 {
            return Err(AugmentError::NoViews);
        }
        for (i, step) in steps.iter().enumerate() {
            validate(step).map_err(|message| AugmentError::InvalidParameter {
                step: i,
                name: step_name(step),
                message,
            })?;
        }
        Ok(Augmenter { views, steps })
    }

    /// One view, normalised and otherwise untouched: the evaluation transform.
    pub fn normalize_only(mean: &[f64], std: &[f64]) -> Result<Self, AugmentError> {
        Self::from_steps(
            1,
            vec![AugStep::Normalize {
                mean: mean.to_vec(),
                std: std.to_vec(),
            }],
        )
    }

    pub fn views(&self) -> usize {
        self.views
    }

    pub fn steps(&self) -> &[AugStep] {
        &self.steps
    }

    /// The same pipeline without its `Normalize` steps (values stay displayable).
    pub fn without_normalize(&self) -> Augmenter {
        let steps = self
            .steps
            .iter()
            .filter(|s| !matches!(s, AugStep::Normalize { .. }))
            .cloned()
            .collect();
        Augmenter {
            views: self.views,
            steps,
        }
    }

    /// The (channels, height, width) of every view of a `channels` x `size` x `size`
    /// image, or why the pipeline cannot take such images.
    pub fn output_shape(
        &self,
        channels: usize,
        size: usize,
    ) -> Result<(usize, usize, usize), AugmentError> {
        self.output_shape_hw(channels, size, size)
    }

    /// [`Self::output_shape`] for a `height` x `width` image.
    pub fn output_shape_hw(
        &self,
        channels: usize,
        height: usize,
        width: usize,
    ) -> Result<(usize, usize, usize), AugmentError> {
        let (mut h, mut w) = (height, width);
        for (i, step) in self.steps.iter().enumerate() {
            let bad = |message: String| AugmentError::ShapeMismatch {
                step: i,
                name: step_name(step),
                channels,
                height: h,
                width: w,
                message,
            };
            match step {
                AugStep::RandomResizedCrop { size, .. } => (h, w) = (*size, *size),
                AugStep::RandomCrop { size, padding } => {
                    if *size > h + 2 * padding || *size > w + 2 * padding {
                        return Err(bad(format!(
                            "a {size} crop is larger than the padded image"
                        )));
                    }
                    (h, w) = (*size, *size);
                }
                AugStep::Normalize { mean, .. } if mean.len() != channels => {
                    return Err(bad(format!(
                        "{} normalisation values for {channels} channels",
                        mean.len()
                    )))
                }
                _ => {}
            }
        }
        Ok((channels, h, w))
    }

    /// One augmented view. The image must fit the pipeline ([`Self::output_shape`]).
    pub fn apply<R: Rng + ?Sized>(&self, img: &Image, rng: &mut R) -> Result<Image, AugmentError> {
        self.output_shape_of(img)?;
        let mut x = img.clone();
        for step in &self.steps {
            apply_step(step, &mut x, rng);
        }
        Ok(x)
    }

    /// `views` independent views, drawn one after the other from `rng`.
    pub fn apply_views<R: Rng + ?Sized>(
        &self,
        img: &Image,
        rng: &mut R,
    ) -> Result<Vec<Image>, AugmentError> {
        (0..self.views).map(|_| self.apply(img, rng)).collect()
    }

    fn output_shape_of(&self, img: &Image) -> Result<(usize, usize, usize), AugmentError> {
        if img.height == 0
            || img.width == 0
            || img.data.len() != img.channels * img.height * img.width
        {
            return Err(AugmentError::ShapeMismatch {
                step: 0,
                name: "input",
                channels: img.channels,
                height: img.height,
                width: img.width,
                message: "the input must be a non-empty CHW image".into(),
            });
        }
        self.output_shape_hw(img.channels, img.height, img.width)
    }
}

fn check_p(p: f64) -> Result<(), String> {
    if (0.0..=1.0).contains(&p) {
        Ok(())
    } else {
        Err(format!("probability {p} is outside [0, 1]"))
    }
}

fn validate(step: &AugStep) -> Result<(), String> {
    match step {
        AugStep::RandomResizedCrop {
            size, scale, ratio, ..
        } => {
            if *size == 0 {
                return Err("size must be positive".into());
            }
            if !(scale.0 > 0.0 && scale.0 <= scale.1 && scale.1 <= 1.0) {
                return Err(format!(
                    "scale ({}, {}) must satisfy 0 < lo <= hi <= 1",
                    scale.0, scale.1
                ));
            }
            if !(ratio.0 > 0.0 && ratio.0 <= ratio.1) {
                return Err(format!(
                    "ratio ({}, {}) must satisfy 0 < lo <= hi",
                    ratio.0, ratio.1
                ));
            }
            Ok(())
        }
        AugStep::RandomCrop { size, .. } if *size == 0 => Err("size must be positive".into()),
        AugStep::RandomCrop { .. } => Ok(()),
        AugStep::HorizontalFlip { p } | AugStep::Grayscale { p } => check_p(*p),
        AugStep::ColorJitter {
            brightness,
            contrast,
            saturation,
            hue,
            p,
            ..
        } => {
            check_p(*p)?;
            for (name, v) in [
                ("brightness", brightness),
                ("contrast", contrast),
                ("saturation", saturation),
            ] {
                if !(*v >= 0.0 && v.is_finite()) {
                    return Err(format!("{name} {v} must be >= 0"));
                }
            }
            if !(0.0..=0.5).contains(hue) {
                return Err(format!("hue {hue} must be in [0, 0.5]"));
            }
            Ok(())
        }
        AugStep::GaussianBlur { kernel, sigma, p } => {
            check_p(*p)?;
            if kernel % 2 == 0 {
                return Err(format!("kernel {kernel} must be odd"));
            }
            if !(sigma.0 > 0.0 && sigma.0 <= sigma.1) {
                return Err(format!(
                    "sigma ({}, {}) must satisfy 0 < lo <= hi",
                    sigma.0, sigma.1
                ));
            }
            Ok(())
        }
        AugStep::Solarize { p, .. } | AugStep::Cutout { p, .. } => check_p(*p),
        AugStep::Normalize { mean, std } => {
            if mean.len() != std.len() {
                return Err(format!("{} means but {} stds", mean.len(), std.len()));
            }
            if std.iter().any(|s| s.is_nan() || *s <= 0.0) {
                return Err("every std must be > 0".into());
            }
            Ok(())
        }
    }
}

/// Draws whether a step with probability `p` fires (torchvision: `rand < p`).
fn fires<R: Rng + ?Sized>(p: f64, rng: &mut R) -> bool {
    rng.random::<f64>() < p
}

fn apply_step<R: Rng + ?Sized>(step: &AugStep, x: &mut Image, rng: &mut R) {
    match step {
        AugStep::RandomResizedCrop {
            size,
            scale,
            ratio,
            sampling,
        } => match sampling {
            CropSampling::Torchvision => {
                let rect = geometry::rrc_params(x.height, x.width, *scale, *ratio, rng);
                *x = geometry::resized_crop(x, rect, *size, *size);
            }
            CropSampling::Affine => {
                let win = geometry::affine_params(*scale, *ratio, rng);
                *x = geometry::affine_crop(x, win, *size, *size);
            }
        },
        AugStep::RandomCrop { size, padding } => {
            *x = geometry::random_crop(x, *size, *padding, rng)
        }
        AugStep::HorizontalFlip { p } => {
            if fires(*p, rng) {
                geometry::hflip(x)
            }
        }
        AugStep::ColorJitter {
            brightness,
            contrast,
            saturation,
            hue,
            p,
            order,
            hue_space,
        } => {
            if fires(*p, rng) {
                let spec = JitterSpec {
                    brightness: *brightness,
                    contrast: *contrast,
                    saturation: *saturation,
                    hue: *hue,
                    order: *order,
                    hue_space: *hue_space,
                };
                Jitter::draw(&spec, rng).apply(x)
            }
        }
        AugStep::Grayscale { p } => {
            if fires(*p, rng) {
                color::grayscale(x)
            }
        }
        AugStep::GaussianBlur { kernel, sigma, p } => {
            if fires(*p, rng) {
                let s = sigma.0 + (sigma.1 - sigma.0) * rng.random::<f64>();
                geometry::gaussian_blur(x, *kernel, s)
            }
        }
        AugStep::Solarize { threshold, p } => {
            if fires(*p, rng) {
                let t = *threshold as f32;
                x.data
                    .iter_mut()
                    .filter(|v| **v >= t)
                    .for_each(|v| *v = 1.0 - *v);
            }
        }
        AugStep::Normalize { mean, std } => {
            let plane = x.height * x.width;
            for (c, chunk) in x.data.chunks_exact_mut(plane).enumerate() {
                let (m, s) = (mean[c] as f32, std[c] as f32);
                chunk.iter_mut().for_each(|v| *v = (*v - m) / s);
            }
        }
        AugStep::Cutout { size, p } => {
            if fires(*p, rng) {
                geometry::cutout(x, *size, rng)
            }
        }
    }
}
