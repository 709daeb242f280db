//! Augmentation previews: a PNG grid with one row per image, the original in the first
//! column and its augmented views in the next ones.
//!
//! Views are drawn with the loader's per-image RNG for epoch 0 ([`image_rng`]) and with
//! `Normalize` skipped, so the grid shows what the network sees up to normalisation.
//! Cells are upscaled by nearest neighbour so that tiny images (8x8 digits) are visible,
//! separated by a 2-pixel grey gutter. The file is written to a temporary name in the same
//! folder and renamed, so a reader never sees half a PNG.

use std::path::{Path, PathBuf};

use image::{ImageFormat, Rgb, RgbImage};

use super::augment::Augmenter;
use super::image::Image;
use super::loader::image_rng;
use super::{DataError, Dataset};

/// Smallest on-screen side of a cell, in pixels.
const MIN_CELL: usize = 96;
const GUTTER: usize = 2;

/// Writes the grid for the first `n` images of `dataset` (fewer if it is smaller).
pub fn write_preview_grid(
    dataset: &Dataset,
    augmenter: &Augmenter,
    n: usize,
    seed: u64,
    path: &Path,
) -> Result<(), DataError> {
    let grid = preview_grid(dataset, augmenter, n, seed)?;
    let tmp = temp_path(path);
    let write_err = |message: String| DataError::WriteImage {
        path: path.to_path_buf(),
        message,
    };
    grid.save_with_format(&tmp, ImageFormat::Png)
        .map_err(|e| write_err(e.to_string()))?;
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        write_err(e.to_string())
    })
}

fn temp_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "preview.png".into());
    path.with_file_name(format!(".{name}.{}.tmp", std::process::id()))
}

/// The grid as an in-memory RGB image.
pub fn preview_grid(
    dataset: &Dataset,
    augmenter: &Augmenter,
    n: usize,
    seed: u64,
) -> Result<RgbImage, DataError> {
    let rows = n.min(dataset.len());
    if rows == 0 {
        return Err(DataError::InvalidArgument {
            message: "a preview needs at least one image".into(),
        });
    }
    let display = augmenter.without_normalize();
    let (_, vh, vw) = display.output_shape(dataset.channels, dataset.size)?;
    let cell = dataset.size.max(vh).max(vw);
    let zoom = MIN_CELL.div_ceil(cell).max(1);
    let side = cell * zoom;
    let cols = 1 + display.views();
    let width = cols * side + (cols + 1) * GUTTER;
    let height = rows * side + (rows + 1) * GUTTER;
    let (w32, h32) = (to_u32(width)?, to_u32(height)?);
    let mut grid = RgbImage::from_pixel(w32, h32, Rgb([128, 128, 128]));
    for r in 0..rows {
        let original = dataset.image(r)?;
        let mut rng = image_rng(seed, 0, r);
        let views = display.apply_views(&original, &mut rng)?;
        let y0 = GUTTER + r * (side + GUTTER);
        for (c, img) in std::iter::once(&original).chain(views.iter()).enumerate() {
            let x0 = GUTTER + c * (side + GUTTER);
            paint(&mut grid, img, x0, y0, zoom);
        }
    }
    Ok(grid)
}

fn to_u32(v: usize) -> Result<u32, DataError> {
    u32::try_from(v).map_err(|_| DataError::InvalidArgument {
        message: format!("a preview {v} pixels wide is too large"),
    })
}

/// Paints `img` (values clamped to [0, 1]) at (x0, y0), each pixel a `zoom` x `zoom` block.
fn paint(grid: &mut RgbImage, img: &Image, x0: usize, y0: usize, zoom: usize) {
    let plane = img.height * img.width;
    let byte = |v: f32| (v.clamp(0.0, 1.0) * 255.0).round() as u8;
    for y in 0..img.height * zoom {
        for x in 0..img.width * zoom {
            let p = (y / zoom) * img.width + x / zoom;
            let px = if img.channels >= 3 {
                [
                    byte(img.data[p]),
                    byte(img.data[plane + p]),
                    byte(img.data[2 * plane + p]),
                ]
            } else {
                [byte(img.data[p]); 3]
            };
            grid.put_pixel((x0 + x) as u32, (y0 + y) as u32, Rgb(px));
        }
    }
}
