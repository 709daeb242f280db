//! Spatial augmentations on f32 CHW images: crops, resize, flip, blur, cutout.
//!
//! Semantics follow torchvision: `RandomResizedCrop.get_params` (10 attempts, area
//! uniform in `scale`, log-uniform aspect ratio, Python's round-half-even, centre-crop
//! fallback), zero-padded random crop, Gaussian blur with reflect padding. Resizing is
//! PIL's separable triangle ("bilinear") filter, which widens its support when shrinking
//! (antialiasing) and reduces to half-pixel bilinear interpolation when enlarging.
//!
//! The affine variant of the random-resized crop ([`affine_params`], [`affine_crop`]) is
//! what batched-tensor pipelines do instead: `affine_grid` + `grid_sample` (bilinear,
//! `align_corners = False`, reflection padding), with a real-valued window.

use rand::Rng;

use super::image::Image;

/// A crop rectangle: top row, left column, height, width.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rect {
    pub top: usize,
    pub left: usize,
    pub height: usize,
    pub width: usize,
}

/// torchvision `RandomResizedCrop.get_params` for an `h` x `w` image.
pub fn rrc_params<R: Rng + ?Sized>(
    h: usize,
    w: usize,
    scale: (f64, f64),
    ratio: (f64, f64),
    rng: &mut R,
) -> Rect {
    let area = (h * w) as f64;
    let (lr0, lr1) = (ratio.0.ln(), ratio.1.ln());
    for _ in 0..10 {
        let target = area * uniform(rng, scale.0, scale.1);
        let aspect = uniform(rng, lr0, lr1).exp();
        let cw = (target * aspect).sqrt().round_ties_even() as usize;
        let ch = (target / aspect).sqrt().round_ties_even() as usize;
        if cw > 0 && cw <= w && ch > 0 && ch <= h {
            let top = rng.random_range(0..=h - ch);
            let left = rng.random_range(0..=w - cw);
            return Rect {
                top,
                left,
                height: ch,
                width: cw,
            };
        }
    }
    let in_ratio = w as f64 / h as f64;
    let (lo, hi) = (ratio.0.min(ratio.1), ratio.0.max(ratio.1));
    let (ch, cw) = if in_ratio < lo {
        (((w as f64) / lo).round_ties_even() as usize, w)
    } else if in_ratio > hi {
        (h, ((h as f64) * hi).round_ties_even() as usize)
    } else {
        (h, w)
    };
    let (ch, cw) = (ch.clamp(1, h), cw.clamp(1, w));
    Rect {
        top: (h - ch) / 2,
        left: (w - cw) / 2,
        height: ch,
        width: cw,
    }
}

/// A crop window in normalised coordinates ([-1, 1] across the image): half-sides as
/// fractions of the image (`w`, `h` in (0, 1]) and centre (`cx`, `cy`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Window {
    pub w: f64,
    pub h: f64,
    pub cx: f64,
    pub cy: f64,
}

/// Area fraction uniform in `scale`, aspect log-uniform in `ratio`, sides
/// `min(1, sqrt(area * ratio))` and `min(1, sqrt(area / ratio))`, centre uniform over the
/// positions where the window fits (`cx = U(-1, 1) * (1 - w)`).
pub fn affine_params<R: Rng + ?Sized>(scale: (f64, f64), ratio: (f64, f64), rng: &mut R) -> Window {
    let area = uniform(rng, scale.0, scale.1);
    let aspect = uniform(rng, ratio.0.ln(), ratio.1.ln()).exp();
    let w = (area * aspect).sqrt().min(1.0);
    let h = (area / aspect).sqrt().min(1.0);
    let cx = uniform(rng, -1.0, 1.0) * (1.0 - w);
    let cy = uniform(rng, -1.0, 1.0) * (1.0 - h);
    Window { w, h, cx, cy }
}

/// `grid_sample`'s reflection padding with `align_corners = False`: reflect `x` (in input
/// pixels) about the image's outer edges -0.5 and `n - 0.5`, then clip to `[0, n - 1]`.
fn reflect_coord(x: f64, n: usize) -> f64 {
    let span = n as f64;
    let d = (x + 0.5).abs();
    let flips = (d / span).floor();
    let extra = d - flips * span;
    let r = if flips as i64 % 2 == 0 {
        extra - 0.5
    } else {
        span - extra - 0.5
    };
    r.clamp(0.0, span - 1.0)
}

/// Per output pixel along one axis: the two input indices and their bilinear weights.
fn affine_taps(half: f64, centre: f64, input: usize, output: usize) -> Vec<[(usize, f32); 2]> {
    (0..output)
        .map(|o| {
            let xo = (2 * o + 1) as f64 / output as f64 - 1.0;
            let g = half * xo + centre;
            let x = reflect_coord(((g + 1.0) * input as f64 - 1.0) / 2.0, input);
            let x0 = x.floor();
            let t = (x - x0) as f32;
            let i0 = x0 as usize;
            // at the last pixel the second tap has weight 0; keep its index in range
            let i1 = (i0 + 1).min(input - 1);
            [(i0, 1.0 - t), (i1, t)]
        })
        .collect()
}

/// Samples `win` of `img` onto an `out_h` x `out_w` grid, bilinearly.
pub fn affine_crop(img: &Image, win: Window, out_h: usize, out_w: usize) -> Image {
    let (ih, iw) = (img.height, img.width);
    let tx = affine_taps(win.w, win.cx, iw, out_w);
    let ty = affine_taps(win.h, win.cy, ih, out_h);
    let mut data = Vec::with_capacity(img.channels * out_h * out_w);
    for plane in img.data.chunks_exact(ih * iw) {
        for [(y0, wy0), (y1, wy1)] in &ty {
            let (r0, r1) = (&plane[y0 * iw..][..iw], &plane[y1 * iw..][..iw]);
            for [(x0, wx0), (x1, wx1)] in &tx {
                let top = wx0 * r0[*x0] + wx1 * r0[*x1];
                let bottom = wx0 * r1[*x0] + wx1 * r1[*x1];
                data.push(wy0 * top + wy1 * bottom);
            }
        }
    }
    Image {
        channels: img.channels,
        height: out_h,
        width: out_w,
        data,
    }
}

/// Uniform in [lo, hi) (or `lo` when the range is empty), as torch's `uniform_`.
fn uniform<R: Rng + ?Sized>(rng: &mut R, lo: f64, hi: f64) -> f64 {
    lo + (hi - lo) * rng.random::<f64>()
}

/// Filter taps of PIL's triangle filter for one axis: per output pixel, the first input
/// index and normalised weights.
fn taps(input: usize, output: usize) -> Vec<(usize, Vec<f32>)> {
    let scale = input as f64 / output as f64;
    let filter_scale = scale.max(1.0);
    let support = filter_scale; // the triangle's support is 1 input pixel, widened when shrinking
    (0..output)
        .map(|o| {
            let center = (o as f64 + 0.5) * scale;
            let lo = ((center - support + 0.5).floor().max(0.0)) as usize;
            let hi = ((center + support + 0.5).floor() as usize).min(input);
            let mut w: Vec<f64> = (lo..hi)
                .map(|k| {
                    let x = (k as f64 - center + 0.5) / filter_scale;
                    (1.0 - x.abs()).max(0.0)
                })
                .collect();
            let sum: f64 = w.iter().sum();
            if sum > 0.0 {
                w.iter_mut().for_each(|v| *v /= sum);
            }
            (lo, w.into_iter().map(|v| v as f32).collect())
        })
        .collect()
}

/// Crops `rect` out of `img` and resizes it to `out_h` x `out_w`.
pub fn resized_crop(img: &Image, rect: Rect, out_h: usize, out_w: usize) -> Image {
    let c = img.channels;
    let (ih, iw) = (img.height, img.width);
    let tx = taps(rect.width, out_w);
    let ty = taps(rect.height, out_h);
    // horizontal pass over the crop's rows: [c, rect.height, out_w]
    let mut mid = vec![0f32; c * rect.height * out_w];
    for ch in 0..c {
        for y in 0..rect.height {
            let row = &img.data[ch * ih * iw + (rect.top + y) * iw + rect.left..][..rect.width];
            let out = &mut mid[(ch * rect.height + y) * out_w..][..out_w];
            for (o, (lo, w)) in tx.iter().enumerate() {
                out[o] = w.iter().enumerate().map(|(k, wk)| wk * row[lo + k]).sum();
            }
        }
    }
    // vertical pass: [c, out_h, out_w]
    let mut data = vec![0f32; c * out_h * out_w];
    for ch in 0..c {
        let src = &mid[ch * rect.height * out_w..][..rect.height * out_w];
        for (o, (lo, w)) in ty.iter().enumerate() {
            let out = &mut data[(ch * out_h + o) * out_w..][..out_w];
            for (k, wk) in w.iter().enumerate() {
                let row = &src[(lo + k) * out_w..][..out_w];
                out.iter_mut().zip(row).for_each(|(a, b)| *a += wk * b);
            }
        }
    }
    Image {
        channels: c,
        height: out_h,
        width: out_w,
        data,
    }
}

/// Zero-pads by `padding` on every side, then takes a random `size` x `size` crop.
/// The caller has checked that `size <= side + 2 * padding`.
pub fn random_crop<R: Rng + ?Sized>(
    img: &Image,
    size: usize,
    padding: usize,
    rng: &mut R,
) -> Image {
    let (ph, pw) = (img.height + 2 * padding, img.width + 2 * padding);
    let top = rng.random_range(0..=ph.saturating_sub(size));
    let left = rng.random_range(0..=pw.saturating_sub(size));
    let mut data = vec![0f32; img.channels * size * size];
    for ch in 0..img.channels {
        for y in 0..size {
            // source row in the unpadded image, if any
            let sy = (top + y) as isize - padding as isize;
            if sy < 0 || sy >= img.height as isize {
                continue;
            }
            for x in 0..size {
                let sx = (left + x) as isize - padding as isize;
                if sx >= 0 && sx < img.width as isize {
                    data[(ch * size + y) * size + x] =
                        img.data[(ch * img.height + sy as usize) * img.width + sx as usize];
                }
            }
        }
    }
    Image {
        channels: img.channels,
        height: size,
        width: size,
        data,
    }
}

pub fn hflip(img: &mut Image) {
    for row in img.data.chunks_exact_mut(img.width) {
        row.reverse();
    }
}

/// Index `i` reflected into `0..n` without repeating the edge (numpy/torch "reflect").
fn reflect(i: isize, n: usize) -> usize {
    if n == 1 {
        return 0;
    }
    let period = 2 * (n as isize - 1);
    let m = i.rem_euclid(period);
    (if m >= n as isize { period - m } else { m }) as usize
}

/// The normalised 1-D Gaussian of odd length `kernel` (torchvision `_get_gaussian_kernel1d`).
pub fn gaussian_kernel(kernel: usize, sigma: f64) -> Vec<f32> {
    let half = (kernel as f64 - 1.0) * 0.5;
    let w: Vec<f64> = (0..kernel)
        .map(|i| {
            let x = i as f64 - half;
            (-0.5 * (x / sigma).powi(2)).exp()
        })
        .collect();
    let sum: f64 = w.iter().sum();
    w.iter().map(|v| (v / sum) as f32).collect()
}

/// Separable Gaussian blur with reflect padding.
pub fn gaussian_blur(img: &mut Image, kernel: usize, sigma: f64) {
    let k = gaussian_kernel(kernel, sigma);
    let r = (kernel / 2) as isize;
    let (h, w) = (img.height, img.width);
    let mut tmp = vec![0f32; h * w];
    for plane in img.data.chunks_exact_mut(h * w) {
        for y in 0..h {
            for x in 0..w {
                tmp[y * w + x] = k
                    .iter()
                    .enumerate()
                    .map(|(i, kv)| kv * plane[y * w + reflect(x as isize + i as isize - r, w)])
                    .sum();
            }
        }
        for y in 0..h {
            for x in 0..w {
                plane[y * w + x] = k
                    .iter()
                    .enumerate()
                    .map(|(i, kv)| kv * tmp[reflect(y as isize + i as isize - r, h) * w + x])
                    .sum();
            }
        }
    }
}

/// Zeroes one `size` x `size` square centred uniformly in the image, clipped at the borders.
pub fn cutout<R: Rng + ?Sized>(img: &mut Image, size: usize, rng: &mut R) {
    let (h, w) = (img.height, img.width);
    let cy = rng.random_range(0..h);
    let cx = rng.random_range(0..w);
    let (y0, y1) = (cy.saturating_sub(size / 2), (cy + size / 2).min(h));
    let (x0, x1) = (cx.saturating_sub(size / 2), (cx + size / 2).min(w));
    for plane in img.data.chunks_exact_mut(h * w) {
        for y in y0..y1 {
            plane[y * w + x0..y * w + x1].fill(0.0);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reflect_matches_numpy() {
        // np.pad([0,1,2,3], 2, mode="reflect") -> [2,1,0,1,2,3,2,1]
        let got: Vec<usize> = (-2..6).map(|i| reflect(i, 4)).collect();
        assert_eq!(got, vec![2, 1, 0, 1, 2, 3, 2, 1]);
    }

    #[test]
    fn enlarging_is_half_pixel_bilinear() {
        // 2 -> 4 pixels: centres at 0.25, 0.75, 1.25, 1.75 in input units; values a=0, b=1
        let t = taps(2, 4);
        let img = [0.0f32, 1.0];
        let out: Vec<f32> = t
            .iter()
            .map(|(lo, w)| w.iter().enumerate().map(|(k, v)| v * img[lo + k]).sum())
            .collect();
        assert_eq!(out, vec![0.0, 0.25, 0.75, 1.0]);
    }

    fn ramp(h: usize, w: usize) -> Image {
        Image {
            channels: 1,
            height: h,
            width: w,
            data: (0..h * w).map(|i| i as f32).collect(),
        }
    }

    #[test]
    fn the_full_affine_window_is_the_identity() {
        let img = ramp(5, 7);
        let win = Window {
            w: 1.0,
            h: 1.0,
            cx: 0.0,
            cy: 0.0,
        };
        assert_eq!(affine_crop(&img, win, 5, 7), img);
    }

    #[test]
    fn affine_reflection_matches_grid_sample() {
        // torch.nn.functional.grid_sample, align_corners=False, padding "reflection", on
        // an input of 4: x = -1.0 reflects to 0.0, 4.2 to 2.8 (edge 3.5), then clipped.
        assert_eq!(reflect_coord(-1.0, 4), 0.0);
        assert!((reflect_coord(3.3, 4) - 3.0).abs() < 1e-12);
        assert!((reflect_coord(-0.25, 4) - 0.0).abs() < 1e-12);
        assert!((reflect_coord(4.2, 4) - 2.8).abs() < 1e-12);
        assert!((reflect_coord(1.5, 4) - 1.5).abs() < 1e-12);
    }

    #[test]
    fn a_half_window_doubles_the_centre_pixels() {
        // the centre half of a 1x4 ramp [0, 1, 2, 3] sampled at 4 points: normalised
        // x = 0.5 * {-0.75, -0.25, 0.25, 0.75} -> input x = {0.75, 1.25, 1.75, 2.25}
        let img = ramp(1, 4);
        let win = Window {
            w: 0.5,
            h: 1.0,
            cx: 0.0,
            cy: 0.0,
        };
        let out = affine_crop(&img, win, 1, 4);
        for (got, want) in out.data.iter().zip([0.75f32, 1.25, 1.75, 2.25]) {
            assert!((got - want).abs() < 1e-6, "{:?}", out.data);
        }
    }

    #[test]
    fn affine_windows_fit_the_image_and_have_the_drawn_area() {
        use rand::SeedableRng;
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        let mut mean = 0.0;
        for _ in 0..4000 {
            let win = affine_params((0.2, 1.0), (0.75, 4.0 / 3.0), &mut rng);
            assert!(win.w > 0.0 && win.w <= 1.0 && win.h > 0.0 && win.h <= 1.0);
            assert!(win.cx.abs() <= 1.0 - win.w + 1e-12 && win.cy.abs() <= 1.0 - win.h + 1e-12);
            mean += win.w * win.h / 4000.0;
        }
        // area U(0.2, 1) has mean 0.6; clamping sides at 1 lowers it a little
        assert!((0.55..0.6).contains(&mean), "mean area {mean}");
    }

    #[test]
    fn identity_resize_keeps_pixels() {
        let t = taps(5, 5);
        for (o, (lo, w)) in t.iter().enumerate() {
            let picked: Vec<(usize, f32)> = w
                .iter()
                .enumerate()
                .filter(|(_, v)| **v > 0.0)
                .map(|(k, v)| (lo + k, *v))
                .collect();
            assert_eq!(picked, vec![(o, 1.0)]);
        }
    }
}
