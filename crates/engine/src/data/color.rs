//! Colour augmentations on f32 CHW images in [0, 1], with torchvision's tensor semantics.
//!
//! Brightness, contrast and saturation blend the image with black, its mean grey level and
//! its grey image, clamping to [0, 1]; hue shifts H in HSV space (mod 1). Grey levels use
//! ITU-R 601-2 luma (0.299 R + 0.587 G + 0.114 B, PIL's `convert("L")`). One-channel
//! images have no colour: saturation, hue and grayscale leave them unchanged, and contrast
//! blends with the mean of the single channel.
//!
//! Two variants of the batched-tensor pipelines are available: a fixed order (brightness,
//! contrast, saturation, hue) instead of a random one, and a hue shift that rotates the
//! chroma plane of YIQ instead of shifting H in HSV ([`hue_yiq`]).

use rand::seq::SliceRandom;
use rand::Rng;

use super::image::Image;
use nas_ir::{HueSpace, JitterOrder};

/// Drawn colour-jitter factors; `None` for an adjustment whose strength is 0.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Jitter {
    pub brightness: Option<f64>,
    pub contrast: Option<f64>,
    pub saturation: Option<f64>,
    pub hue: Option<f64>,
    /// The order the four adjustments run in (0 brightness, 1 contrast, 2 saturation, 3 hue).
    pub order: [usize; 4],
    pub hue_space: HueSpace,
}

/// The strengths of a colour jitter and how it runs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct JitterSpec {
    pub brightness: f64,
    pub contrast: f64,
    pub saturation: f64,
    pub hue: f64,
    pub order: JitterOrder,
    pub hue_space: HueSpace,
}

impl Jitter {
    /// torchvision `ColorJitter.get_params`: factors uniform in `[max(0, 1 - s), 1 + s]`,
    /// hue uniform in `[-hue, hue]`, and a random order (drawn first) unless it is fixed.
    pub fn draw<R: Rng + ?Sized>(spec: &JitterSpec, rng: &mut R) -> Jitter {
        let (b, c, s, h) = (spec.brightness, spec.contrast, spec.saturation, spec.hue);
        let mut order = [0, 1, 2, 3];
        if spec.order == JitterOrder::Shuffled {
            order.shuffle(rng);
        }
        let mut factor = |strength: f64| {
            (strength > 0.0).then(|| rng.random_range((1.0 - strength).max(0.0)..=1.0 + strength))
        };
        let brightness = factor(b);
        let contrast = factor(c);
        let saturation = factor(s);
        let hue = (h > 0.0).then(|| rng.random_range(-h..=h));
        Jitter {
            brightness,
            contrast,
            saturation,
            hue,
            order,
            hue_space: spec.hue_space,
        }
    }

    pub fn apply(&self, img: &mut Image) {
        for &k in &self.order {
            match k {
                0 => {
                    if let Some(f) = self.brightness {
                        brightness(img, f as f32)
                    }
                }
                1 => {
                    if let Some(f) = self.contrast {
                        contrast(img, f as f32)
                    }
                }
                2 => {
                    if let Some(f) = self.saturation {
                        saturation(img, f as f32)
                    }
                }
                _ => {
                    if let Some(f) = self.hue {
                        match self.hue_space {
                            HueSpace::Hsv => hue(img, f as f32),
                            HueSpace::Yiq => hue_yiq(img, f as f32),
                        }
                    }
                }
            }
        }
    }
}

fn blend(x: f32, other: f32, f: f32) -> f32 {
    (f * x + (1.0 - f) * other).clamp(0.0, 1.0)
}

/// The luma plane of a 3-channel image (or a copy of the only channel).
pub fn luma(img: &Image) -> Vec<f32> {
    let plane = img.height * img.width;
    if img.channels != 3 {
        return img.data[..plane].to_vec();
    }
    let (r, rest) = img.data.split_at(plane);
    let (g, b) = rest.split_at(plane);
    (0..plane)
        .map(|i| 0.299 * r[i] + 0.587 * g[i] + 0.114 * b[i])
        .collect()
}

pub fn brightness(img: &mut Image, f: f32) {
    for x in &mut img.data {
        *x = blend(*x, 0.0, f);
    }
}

pub fn contrast(img: &mut Image, f: f32) {
    let grey = luma(img);
    let mean = grey.iter().map(|&v| v as f64).sum::<f64>() / grey.len().max(1) as f64;
    for x in &mut img.data {
        *x = blend(*x, mean as f32, f);
    }
}

/// No-op on one-channel images.
pub fn saturation(img: &mut Image, f: f32) {
    if img.channels != 3 {
        return;
    }
    let grey = luma(img);
    let plane = grey.len();
    for (i, x) in img.data.iter_mut().enumerate() {
        *x = blend(*x, grey[i % plane], f);
    }
}

/// Replaces every channel by the luma; a no-op on one-channel images.
pub fn grayscale(img: &mut Image) {
    if img.channels != 3 {
        return;
    }
    let grey = luma(img);
    for chunk in img.data.chunks_exact_mut(grey.len()) {
        chunk.copy_from_slice(&grey);
    }
}

/// Shifts hue by `shift` (a fraction of the colour wheel); a no-op on one-channel images.
pub fn hue(img: &mut Image, shift: f32) {
    if img.channels != 3 {
        return;
    }
    let plane = img.height * img.width;
    let (r, rest) = img.data.split_at_mut(plane);
    let (g, b) = rest.split_at_mut(plane);
    for i in 0..plane {
        let (h, s, v) = rgb_to_hsv(r[i], g[i], b[i]);
        let h = (h + shift).rem_euclid(1.0);
        let (nr, ng, nb) = hsv_to_rgb(h, s, v);
        r[i] = nr;
        g[i] = ng;
        b[i] = nb;
    }
}

/// RGB to YIQ (NTSC).
const TO_YIQ: [[f32; 3]; 3] = [
    [0.299, 0.587, 0.114],
    [0.596, -0.274, -0.322],
    [0.211, -0.523, 0.312],
];

/// The inverse of [`TO_YIQ`], computed once in f64.
fn from_yiq() -> [[f32; 3]; 3] {
    let m = TO_YIQ.map(|r| r.map(f64::from));
    let det = m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1])
        - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
        + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
    let cof = |r: usize, c: usize| {
        let (r0, r1) = ((r + 1) % 3, (r + 2) % 3);
        let (c0, c1) = ((c + 1) % 3, (c + 2) % 3);
        m[r0][c0] * m[r1][c1] - m[r0][c1] * m[r1][c0]
    };
    // inverse = adjugate / det; the adjugate is the transposed cofactor matrix
    let mut inv = [[0f32; 3]; 3];
    for (r, row) in inv.iter_mut().enumerate() {
        for (c, v) in row.iter_mut().enumerate() {
            *v = (cof(c, r) / det) as f32;
        }
    }
    inv
}

/// Rotates the (I, Q) chroma of every pixel by `shift` turns (`shift * 2 pi` radians),
/// keeping luma Y, then clamps RGB to [0, 1]; a no-op on one-channel images.
pub fn hue_yiq(img: &mut Image, shift: f32) {
    if img.channels != 3 {
        return;
    }
    let (sin, cos) = (shift * std::f32::consts::TAU).sin_cos();
    let inv = from_yiq();
    let plane = img.height * img.width;
    let (r, rest) = img.data.split_at_mut(plane);
    let (g, b) = rest.split_at_mut(plane);
    for i in 0..plane {
        let rgb = [r[i], g[i], b[i]];
        let [y, ci, cq] = TO_YIQ.map(|row| row[0] * rgb[0] + row[1] * rgb[1] + row[2] * rgb[2]);
        let yiq = [y, ci * cos - cq * sin, ci * sin + cq * cos];
        let [nr, ng, nb] =
            inv.map(|row| (row[0] * yiq[0] + row[1] * yiq[1] + row[2] * yiq[2]).clamp(0.0, 1.0));
        r[i] = nr;
        g[i] = ng;
        b[i] = nb;
    }
}

/// RGB in [0, 1] to (hue in [0, 1), saturation, value).
pub fn rgb_to_hsv(r: f32, g: f32, b: f32) -> (f32, f32, f32) {
    let maxc = r.max(g).max(b);
    let minc = r.min(g).min(b);
    let range = maxc - minc;
    if range == 0.0 {
        return (0.0, 0.0, maxc);
    }
    let s = range / maxc;
    let rc = (maxc - r) / range;
    let gc = (maxc - g) / range;
    let bc = (maxc - b) / range;
    let h = if maxc == r {
        bc - gc
    } else if maxc == g {
        2.0 + rc - bc
    } else {
        4.0 + gc - rc
    };
    ((h / 6.0 + 1.0).rem_euclid(1.0), s, maxc)
}

/// Inverse of [`rgb_to_hsv`].
pub fn hsv_to_rgb(h: f32, s: f32, v: f32) -> (f32, f32, f32) {
    let h6 = h * 6.0;
    let i = h6.floor();
    let f = h6 - i;
    let p = (v * (1.0 - s)).clamp(0.0, 1.0);
    let q = (v * (1.0 - s * f)).clamp(0.0, 1.0);
    let t = (v * (1.0 - s * (1.0 - f))).clamp(0.0, 1.0);
    match (i as i64).rem_euclid(6) {
        0 => (v, t, p),
        1 => (q, v, p),
        2 => (p, v, t),
        3 => (p, q, v),
        4 => (t, p, v),
        _ => (v, p, q),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hsv_round_trip() {
        for &(r, g, b) in &[
            (0.2, 0.5, 0.9),
            (0.9, 0.1, 0.1),
            (0.3, 0.3, 0.3),
            (0.0, 1.0, 0.5),
        ] {
            let (h, s, v) = rgb_to_hsv(r, g, b);
            let (r2, g2, b2) = hsv_to_rgb(h, s, v);
            assert!((r - r2).abs() < 1e-6 && (g - g2).abs() < 1e-6 && (b - b2).abs() < 1e-6);
        }
        // pure red is hue 0, pure green 1/3, pure blue 2/3
        assert!((rgb_to_hsv(0.0, 1.0, 0.0).0 - 1.0 / 3.0).abs() < 1e-6);
        assert!((rgb_to_hsv(0.0, 0.0, 1.0).0 - 2.0 / 3.0).abs() < 1e-6);
    }

    #[test]
    #[allow(clippy::needless_range_loop)] // a matrix product reads best with indices
    fn the_yiq_inverse_inverts() {
        let inv = from_yiq();
        for r in 0..3 {
            for c in 0..3 {
                let v: f32 = (0..3).map(|k| inv[r][k] * TO_YIQ[k][c]).sum();
                assert!(
                    (v - f32::from(u8::from(r == c))).abs() < 1e-5,
                    "{r},{c}: {v}"
                );
            }
        }
    }

    #[test]
    fn a_yiq_rotation_keeps_luma_and_zero_keeps_the_image() {
        let data = vec![0.2, 0.7, 0.4, 0.5, 0.3, 0.6];
        let mut img = Image {
            channels: 3,
            height: 1,
            width: 2,
            data: data.clone(),
        };
        hue_yiq(&mut img, 0.0);
        for (a, b) in img.data.iter().zip(&data) {
            assert!((a - b).abs() < 1e-5, "{:?}", img.data);
        }
        // a small rotation of an unsaturated-enough colour stays in gamut: luma is kept
        hue_yiq(&mut img, 0.05);
        let before = luma(&Image {
            data: data.clone(),
            ..img.clone()
        });
        let after = luma(&img);
        assert!(img
            .data
            .iter()
            .zip(&data)
            .any(|(a, b)| (a - b).abs() > 1e-3));
        for (a, b) in after.iter().zip(&before) {
            assert!((a - b).abs() < 1e-5, "{after:?} vs {before:?}");
        }
    }

    #[test]
    fn a_fixed_order_is_brightness_contrast_saturation_hue() {
        use rand::SeedableRng;
        let spec = JitterSpec {
            brightness: 0.4,
            contrast: 0.4,
            saturation: 0.4,
            hue: 0.1,
            order: JitterOrder::Fixed,
            hue_space: HueSpace::Yiq,
        };
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
        for _ in 0..20 {
            assert_eq!(Jitter::draw(&spec, &mut rng).order, [0, 1, 2, 3]);
        }
        let random = JitterSpec {
            order: JitterOrder::Shuffled,
            ..spec
        };
        assert!((0..20).any(|_| Jitter::draw(&random, &mut rng).order != [0, 1, 2, 3]));
    }

    #[test]
    fn hue_shift_of_a_third_rotates_channels() {
        let mut img = Image {
            channels: 3,
            height: 1,
            width: 1,
            data: vec![1.0, 0.0, 0.0],
        };
        hue(&mut img, 1.0 / 3.0);
        assert!(
            (img.data[1] - 1.0).abs() < 1e-5 && img.data[0].abs() < 1e-5,
            "{:?}",
            img.data
        );
    }
}
