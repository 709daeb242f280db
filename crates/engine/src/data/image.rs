//! The image type every augmentation works on: f32 values, channels first. Its own file so
//! that `augment`, `geometry` and `color` all depend on it rather than on each other.

/// An image as f32 values, CHW.
#[derive(Debug, Clone, PartialEq)]
pub struct Image {
    pub channels: usize,
    pub height: usize,
    pub width: usize,
    pub data: Vec<f32>,
}
