//! Class names of a dataset, in label order, for the exported model's `classes`.
//!
//! Contract: digits are `0`..`9`, CIFAR-10 and CIFAR-100 use their published label names,
//! an image folder its class sub-folders sorted by name (as the engine numbers them, read
//! from the folder as the pipeline names it, relative to the current folder); when the
//! names cannot be had or their count differs from the classifier's outputs, the classes
//! are numbered `0`..`n-1`.

use nas_ir::{DataSource, DatasetSpec};

const CIFAR10: [&str; 10] = [
    "airplane",
    "automobile",
    "bird",
    "cat",
    "deer",
    "dog",
    "frog",
    "horse",
    "ship",
    "truck",
];

/// CIFAR-100's fine labels, in label order.
const CIFAR100: &str = "apple aquarium_fish baby bear beaver bed bee beetle bicycle bottle \
bowl boy bridge bus butterfly camel can castle caterpillar cattle chair chimpanzee clock cloud \
cockroach couch crab crocodile cup dinosaur dolphin elephant flatfish forest fox girl hamster \
house kangaroo keyboard lamp lawn_mower leopard lion lizard lobster man maple_tree motorcycle \
mountain mouse mushroom oak_tree orange orchid otter palm_tree pear pickup_truck pine_tree \
plain plate poppy porcupine possum rabbit raccoon ray road rocket rose sea seal shark shrew \
skunk skyscraper snail snake spider squirrel streetcar sunflower sweet_pepper table tank \
telephone television tiger tractor train trout tulip turtle wardrobe whale willow_tree wolf \
woman worm";

/// `n` class names for the data of a pipeline.
pub fn class_names(data: &DatasetSpec, n: usize) -> Vec<String> {
    let names: Vec<String> = match &data.source {
        DataSource::Digits => (0..10).map(|i| i.to_string()).collect(),
        DataSource::Cifar10 { .. } => CIFAR10.iter().map(|s| s.to_string()).collect(),
        DataSource::Cifar100 { .. } => CIFAR100.split_whitespace().map(String::from).collect(),
        DataSource::ImageFolder { dir, .. } => folder_classes(dir),
    };
    if names.len() == n {
        names
    } else {
        (0..n).map(|i| i.to_string()).collect()
    }
}

fn folder_classes(dir: &str) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut names: Vec<String> = entries
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_dir())
        .filter_map(|e| e.file_name().to_str().map(String::from))
        .filter(|n| !n.starts_with('.'))
        .collect();
    names.sort();
    names
}

#[cfg(test)]
mod tests {
    #[test]
    fn cifar100_has_100_distinct_names() {
        let mut names: Vec<&str> = super::CIFAR100.split_whitespace().collect();
        assert_eq!(names.len(), 100);
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), 100);
        assert_eq!(super::CIFAR100.split_whitespace().nth(99), Some("worm"));
    }
}
