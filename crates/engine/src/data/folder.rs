//! Image folders: one sub-folder per class (classes sorted by folder name), PNG or JPEG
//! files inside (sorted by path), decoded with the `image` crate and resized to the
//! spec's side with a bilinear (triangle) filter. Colour images read as one channel are
//! converted with ITU-R 601-2 luma, as PIL's `convert("L")`.
//!
//! A folder with image files and no sub-folders is an unlabelled dataset. A test folder
//! takes its class list from the training folder, so label numbers agree between parts.
//! A file that does not decode is an error naming the file and its record number (its
//! 0-based position in the dataset); files and folders whose name starts with `.` are
//! skipped.

use std::path::{Path, PathBuf};

use image::imageops::FilterType;
use rayon::prelude::*;

use super::{DataError, Dataset};
use nas_ir::DatasetSpec;

/// Loads `dir`, with classes named by the sub-folders of `class_dir` (the training folder;
/// pass `dir` itself for the training part).
pub fn load(dir: &Path, class_dir: &Path, spec: &DatasetSpec) -> Result<Dataset, DataError> {
    if spec.channels != 1 && spec.channels != 3 {
        return Err(DataError::SpecMismatch {
            dataset: dir.display().to_string(),
            message: format!(
                "is an image folder, which gives 1 or 3 channels, not {}",
                spec.channels
            ),
        });
    }
    let classes = class_names(class_dir)?;
    let files = list_files(dir, &classes)?;
    if files.is_empty() {
        return Err(DataError::Empty {
            path: dir.to_path_buf(),
        });
    }
    if let (Some(declared), false) = (spec.classes, classes.is_empty()) {
        if declared != classes.len() {
            return Err(DataError::SpecMismatch {
                dataset: dir.display().to_string(),
                message: format!(
                    "has {} class folders, but the pipeline declares {declared} classes",
                    classes.len()
                ),
            });
        }
    }
    let decoded: Vec<Result<Vec<u8>, DataError>> = files
        .par_iter()
        .enumerate()
        .map(|(record, (path, _))| decode(path, record, spec.channels, spec.image_size))
        .collect();
    let mut pixels = Vec::with_capacity(files.len() * spec.channels * spec.image_size.pow(2));
    for image in decoded {
        pixels.extend(image?);
    }
    let labels = if classes.is_empty() {
        None
    } else {
        Some(files.iter().map(|(_, l)| l.unwrap_or(0)).collect())
    };
    Ok(Dataset {
        pixels,
        labels,
        channels: spec.channels,
        size: spec.image_size,
        classes: (!classes.is_empty()).then_some(classes.len()),
        pixel_max: 255.0,
        name: dir.display().to_string(),
    })
}

fn read_dir_sorted(dir: &Path) -> Result<Vec<PathBuf>, DataError> {
    let io = |source| DataError::Io {
        path: dir.to_path_buf(),
        source,
    };
    let mut entries = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io)? {
        let path = entry.map_err(io)?.path();
        let hidden = path
            .file_name()
            .and_then(|n| n.to_str())
            .is_none_or(|n| n.starts_with('.'));
        if !hidden {
            entries.push(path);
        }
    }
    entries.sort();
    Ok(entries)
}

/// The class folder names of `dir`, sorted; empty when `dir` has only files.
fn class_names(dir: &Path) -> Result<Vec<String>, DataError> {
    let entries = read_dir_sorted(dir)?;
    let dirs: Vec<String> = entries
        .iter()
        .filter(|p| p.is_dir())
        .filter_map(|p| p.file_name().and_then(|n| n.to_str()).map(String::from))
        .collect();
    if !dirs.is_empty() && dirs.len() != entries.len() {
        return Err(DataError::BadLayout {
            path: dir.to_path_buf(),
            message: "mixes class folders and loose files; put every image in a class folder"
                .into(),
        });
    }
    Ok(dirs)
}

/// Every image file with its label (`None` when unlabelled), in dataset order.
fn list_files(dir: &Path, classes: &[String]) -> Result<Vec<(PathBuf, Option<u32>)>, DataError> {
    if classes.is_empty() {
        let files = read_dir_sorted(dir)?;
        if let Some(sub) = files.iter().find(|p| p.is_dir()) {
            return Err(DataError::BadLayout {
                path: sub.clone(),
                message: "is a folder, but the training folder has no class folders".into(),
            });
        }
        return Ok(files.into_iter().map(|p| (p, None)).collect());
    }
    let mut out = Vec::new();
    for sub in read_dir_sorted(dir)? {
        let name = sub.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        let Some(label) = classes.iter().position(|c| c == name) else {
            return Err(DataError::BadLayout {
                path: sub.clone(),
                message: format!(
                    "is not one of the training classes ({})",
                    classes.join(", ")
                ),
            });
        };
        if !sub.is_dir() {
            return Err(DataError::BadLayout {
                path: sub.clone(),
                message: "is a loose file; put every image in a class folder".into(),
            });
        }
        for walked in walkdir::WalkDir::new(&sub).sort_by_file_name() {
            let walked = walked.map_err(|e| DataError::Io {
                path: sub.clone(),
                source: e.into(),
            })?;
            let hidden = walked
                .file_name()
                .to_str()
                .is_none_or(|n| n.starts_with('.'));
            if walked.file_type().is_file() && !hidden {
                out.push((walked.into_path(), Some(label as u32)));
            }
        }
    }
    Ok(out)
}

/// Decodes one image file as a dataset of this folder would hold it: `channels` x `size` x
/// `size` bytes, CHW, resized and converted as [`load`] does (`nas predict` reads its
/// images through this).
pub fn decode_image(path: &Path, channels: usize, size: usize) -> Result<Vec<u8>, DataError> {
    decode(path, 0, channels, size)
}

/// Decodes one file to `channels` x `size` x `size` bytes, CHW.
fn decode(path: &Path, record: usize, channels: usize, size: usize) -> Result<Vec<u8>, DataError> {
    let bad = |message: String| DataError::BadImage {
        path: path.to_path_buf(),
        record,
        message,
    };
    super::require_regular_file(path)?;
    let reader = image::ImageReader::open(path)
        .map_err(|source| DataError::Io {
            path: path.to_path_buf(),
            source,
        })?
        .with_guessed_format()
        .map_err(|e| bad(e.to_string()))?;
    let img = reader.decode().map_err(|e| bad(e.to_string()))?;
    let side = size as u32;
    let img = if img.width() == side && img.height() == side {
        img
    } else {
        img.resize_exact(side, side, FilterType::Triangle)
    };
    let plane = size * size;
    let grey_source = matches!(
        img.color(),
        image::ColorType::L8
            | image::ColorType::L16
            | image::ColorType::La8
            | image::ColorType::La16
    );
    if channels == 1 && grey_source {
        return Ok(img.into_luma8().into_raw());
    }
    let rgb = img.into_rgb8().into_raw();
    if channels == 1 {
        // ITU-R 601-2 luma in PIL's fixed point, as `convert("L")` (the image crate uses Rec. 709)
        return Ok(rgb
            .chunks_exact(3)
            .map(|p| {
                ((p[0] as u32 * 19595 + p[1] as u32 * 38470 + p[2] as u32 * 7471 + 0x8000) >> 16)
                    as u8
            })
            .collect());
    }
    let mut chw = vec![0u8; 3 * plane];
    for (p, px) in rgb.chunks_exact(3).enumerate() {
        for c in 0..3 {
            chw[c * plane + p] = px[c];
        }
    }
    Ok(chw)
}
