//! Dataset parsing (CIFAR binary, image folders, built-in digits), error reporting on bad
//! files, and seeded class-balanced splits.

use std::path::{Path, PathBuf};

use nas_engine::data::{self, split, DataError, Part};
use nas_ir::{DataSource, DatasetSpec, Span};

fn spec(source: DataSource, size: usize, channels: usize, classes: Option<usize>) -> DatasetSpec {
    DatasetSpec {
        source,
        image_size: size,
        channels,
        classes,
        mean: vec![0.5; channels],
        std: vec![0.25; channels],
        limit: None,
        test_limit: None,
        span: Span::default(),
    }
}

fn digits_spec() -> DatasetSpec {
    spec(DataSource::Digits, 8, 1, Some(10))
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("nas-data-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A CIFAR-10 record whose pixels are `seed`, `seed + 1`, ... (mod 256).
fn cifar_record(label: u8, seed: u8) -> Vec<u8> {
    let mut r = vec![label];
    r.extend((0..3072u32).map(|i| (seed as u32 + i) as u8));
    r
}

#[test]
fn digits_match_the_readme_facts() {
    crate::support::at_root();
    let train = data::load(&digits_spec(), Part::Train).unwrap();
    let test = data::load(&digits_spec(), Part::Test).unwrap();
    assert_eq!((train.len(), test.len()), (1500, 297));
    assert_eq!(
        (train.channels, train.size, train.classes),
        (1, 8, Some(10))
    );
    let labels = train.labels.as_ref().unwrap();
    assert_eq!(&labels[..10], &[4, 3, 1, 3, 9, 8, 1, 5, 5, 7]);
    assert_eq!(
        &test.labels.as_ref().unwrap()[..10],
        &[7, 3, 1, 3, 0, 3, 4, 7, 3, 5]
    );
    // the README's first row (its second row, `0 0 0 0 10 16 6 0`, is not what the file holds)
    assert_eq!(&train.image_u8(0).unwrap()[..8], &[0, 0, 0, 0, 15, 7, 0, 0]);
    assert!(
        (train.mean_stored_value() - 4.8853).abs() < 5e-5,
        "{}",
        train.mean_stored_value()
    );
    assert!((test.mean_stored_value() - 4.8787).abs() < 5e-5);
    // values 0..16 scale to [0, 1]
    let img = train.image(0).unwrap();
    assert_eq!(img.data[4], 15.0 / 16.0);
    assert!(img.data.iter().all(|&v| (0.0..=1.0).contains(&v)));
    // per-class counts from the README
    let mut counts = [0usize; 10];
    labels.iter().for_each(|&l| counts[l as usize] += 1);
    assert_eq!(counts, [149, 152, 148, 153, 151, 152, 151, 149, 145, 150]);
}

#[test]
fn digits_reject_a_wrong_declared_shape() {
    crate::support::at_root();
    let err = data::load(&spec(DataSource::Digits, 32, 3, None), Part::Train).unwrap_err();
    assert!(matches!(err, DataError::SpecMismatch { .. }), "{err}");
}

#[test]
fn test_limit_keeps_the_first_images() {
    crate::support::at_root();
    let mut s = digits_spec();
    s.test_limit = Some(5);
    let test = data::load(&s, Part::Test).unwrap();
    assert_eq!(test.labels.unwrap(), vec![7, 3, 1, 3, 0]);
}

#[test]
fn cifar10_records_are_parsed_in_order() {
    crate::support::at_root();
    let dir = temp_dir("c10");
    let mut a = cifar_record(3, 0);
    a.extend(cifar_record(9, 7));
    std::fs::write(dir.join("a.bin"), &a).unwrap();
    std::fs::write(dir.join("b.bin"), cifar_record(1, 100)).unwrap();
    let source = DataSource::Cifar10 {
        dir: dir.display().to_string(),
        train: vec!["a.bin".into(), "b.bin".into()],
        test: vec!["b.bin".into()],
    };
    let d = data::load(&spec(source, 32, 3, Some(10)), Part::Train).unwrap();
    assert_eq!(d.labels.as_deref(), Some(&[3, 9, 1][..]));
    assert_eq!(d.image_u8(1).unwrap()[0], 7);
    // CHW: the green plane starts 1024 bytes into the record's pixels
    assert_eq!(d.image_u8(2).unwrap()[1024], (100u32 + 1024) as u8);
    assert_eq!(d.pixel_max, 255.0);
}

#[test]
fn a_fifo_or_a_device_as_a_data_file_is_refused_without_reading_it() {
    crate::support::at_root();
    let dir = temp_dir("fifo");
    let fifo = dir.join("pipe.bin");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let cases = [
        (dir.display().to_string(), "pipe.bin", "named pipe"),
        ("/dev".to_string(), "zero", "a device"),
    ];
    for (d, file, what) in cases {
        let source = DataSource::Cifar10 {
            dir: d,
            train: vec![file.into()],
            test: vec![],
        };
        let s = spec(source, 32, 3, Some(10));
        // on a thread: reading the FIFO would block for ever, /dev/zero until memory ran out
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let _ = tx.send(data::load(&s, Part::Train).map(|d| d.len()));
        });
        let got = rx
            .recv_timeout(std::time::Duration::from_secs(20))
            .expect("the load returned instead of blocking");
        let e = got.expect_err("refused");
        assert!(matches!(e, DataError::NotAFile { .. }), "{e:?}");
        assert!(
            e.to_string().contains(what) && e.to_string().contains(file),
            "{e}"
        );
    }
}

#[test]
fn cifar100_uses_the_fine_label() {
    crate::support::at_root();
    let dir = temp_dir("c100");
    let mut rec = vec![2u8, 57u8];
    rec.extend(std::iter::repeat_n(9u8, 3072));
    std::fs::write(dir.join("train.bin"), &rec).unwrap();
    let source = DataSource::Cifar100 {
        dir: dir.display().to_string(),
        train: vec!["train.bin".into()],
        test: vec![],
    };
    let d = data::load(&spec(source, 32, 3, Some(100)), Part::Train).unwrap();
    assert_eq!(d.labels, Some(vec![57]));
    assert_eq!(d.len(), 1);
}

#[test]
fn truncated_cifar_batch_names_file_and_record() {
    crate::support::at_root();
    let dir = temp_dir("trunc");
    let mut bytes = cifar_record(0, 0);
    bytes.extend(cifar_record(1, 0));
    bytes.extend(&cifar_record(2, 0)[..1000]);
    std::fs::write(dir.join("data_batch_1.bin"), &bytes).unwrap();
    let source = DataSource::Cifar10 {
        dir: dir.display().to_string(),
        train: vec!["data_batch_1.bin".into()],
        test: vec![],
    };
    let err = data::load(&spec(source, 32, 3, None), Part::Train).unwrap_err();
    match &err {
        DataError::Truncated {
            path, record, have, ..
        } => {
            assert!(path.ends_with("data_batch_1.bin"));
            assert_eq!((*record, *have), (2, 1000));
        }
        other => panic!("expected Truncated, got {other}"),
    }
    let msg = err.to_string();
    assert!(
        msg.contains("data_batch_1.bin") && msg.contains("record 2"),
        "{msg}"
    );
}

#[test]
fn missing_cifar_file_names_the_file() {
    crate::support::at_root();
    let dir = temp_dir("missing");
    let source = DataSource::Cifar10 {
        dir: dir.display().to_string(),
        train: vec!["nope.bin".into()],
        test: vec![],
    };
    let err = data::load(&spec(source, 32, 3, None), Part::Train).unwrap_err();
    assert!(err.to_string().contains("nope.bin"), "{err}");
}

#[test]
fn real_cifar10_from_shared() {
    // The shared copy of CIFAR-10 lives beside the repository (`../shared`, as in CI); a
    // machine without it fails here rather than passing without looking.
    let dir = crate::support::at_root().join("../shared/data/cifar10");
    assert!(
        dir.join("test_batch.bin").exists(),
        "{} is missing: this test needs ../shared beside the repository",
        dir.display()
    );
    let source = DataSource::Cifar10 {
        dir: dir.display().to_string(),
        train: vec!["data_batch_1.bin".into()],
        test: vec!["test_batch.bin".into()],
    };
    let test = data::load(&spec(source, 32, 3, Some(10)), Part::Test).unwrap();
    assert_eq!(test.len(), 10_000);
    assert_eq!(
        &test.labels.as_ref().unwrap()[..10],
        &[4, 3, 1, 9, 4, 5, 9, 8, 3, 6]
    );
    let plane = 1024;
    let mut sums = [0u64; 3];
    for i in 0..test.len() {
        let img = test.image_u8(i).unwrap();
        for c in 0..3 {
            sums[c] += img[c * plane..(c + 1) * plane]
                .iter()
                .map(|&v| v as u64)
                .sum::<u64>();
        }
    }
    let means: Vec<f64> = sums
        .iter()
        .map(|&s| s as f64 / (10_000.0 * 1024.0 * 255.0))
        .collect();
    for (m, want) in means.iter().zip([0.4942, 0.4851, 0.4504]) {
        assert!((m - want).abs() < 1e-4, "{means:?}");
    }
}

fn write_png(path: &Path, w: u32, h: u32, rgb: [u8; 3]) {
    image::RgbImage::from_pixel(w, h, image::Rgb(rgb))
        .save(path)
        .unwrap();
}

#[test]
fn image_folder_sorts_classes_and_resizes() {
    crate::support::at_root();
    let dir = temp_dir("folder");
    for (class, colour) in [("zebra", [0, 0, 255]), ("ant", [255, 0, 0])] {
        std::fs::create_dir_all(dir.join(class)).unwrap();
        write_png(&dir.join(class).join("b.png"), 16, 16, colour);
        write_png(&dir.join(class).join("a.png"), 7, 5, colour);
    }
    std::fs::write(dir.join("ant").join(".hidden"), b"not an image").unwrap();
    let source = DataSource::ImageFolder {
        dir: dir.display().to_string(),
        test: None,
    };
    let d = data::load(&spec(source.clone(), 8, 3, Some(2)), Part::Train).unwrap();
    assert_eq!(d.len(), 4);
    assert_eq!(d.labels, Some(vec![0, 0, 1, 1])); // ant < zebra
    let ant = d.image_u8(0).unwrap();
    assert_eq!((ant[0], ant[64], ant[128]), (255, 0, 0)); // red plane, then green, blue
    let zebra = d.image_u8(3).unwrap();
    assert_eq!((zebra[0], zebra[128]), (0, 255));
    // one channel: ITU-R 601 luma of pure red = 0.299 * 255 = 76.2, of pure blue 0.114 * 255 = 29.1
    let grey = data::load(&spec(source.clone(), 8, 1, None), Part::Train).unwrap();
    assert_eq!(
        (grey.image_u8(0).unwrap()[0], grey.image_u8(3).unwrap()[0]),
        (76, 29)
    );
    let err = data::load(&spec(source, 8, 3, None), Part::Test).unwrap_err();
    assert!(matches!(err, DataError::NoPart { .. }));
}

#[test]
fn non_image_file_in_a_folder_names_file_and_record() {
    crate::support::at_root();
    let dir = temp_dir("badimg");
    std::fs::create_dir_all(dir.join("cat")).unwrap();
    std::fs::create_dir_all(dir.join("dog")).unwrap();
    write_png(&dir.join("cat").join("1.png"), 4, 4, [1, 2, 3]);
    write_png(&dir.join("dog").join("1.png"), 4, 4, [1, 2, 3]);
    std::fs::write(dir.join("dog").join("notes.txt"), b"hello, not a picture").unwrap();
    let source = DataSource::ImageFolder {
        dir: dir.display().to_string(),
        test: None,
    };
    let err = data::load(&spec(source, 4, 3, None), Part::Train).unwrap_err();
    match &err {
        DataError::BadImage { path, record, .. } => {
            assert!(path.ends_with("dog/notes.txt"));
            assert_eq!(*record, 2);
        }
        other => panic!("expected BadImage, got {other}"),
    }
    assert!(err.to_string().contains("notes.txt") && err.to_string().contains("record 2"));
}

#[test]
fn unlabelled_folder_and_test_folder_classes() {
    crate::support::at_root();
    let dir = temp_dir("unlab");
    write_png(&dir.join("x.png"), 4, 4, [9, 9, 9]);
    write_png(&dir.join("y.png"), 4, 4, [9, 9, 9]);
    let source = DataSource::ImageFolder {
        dir: dir.display().to_string(),
        test: None,
    };
    let d = data::load(&spec(source, 4, 3, None), Part::Train).unwrap();
    assert_eq!((d.len(), d.labels.clone(), d.classes), (2, None, None));

    // the test folder lacks class `a`, yet `b` keeps label 1
    let root = temp_dir("testclasses");
    for class in ["a", "b"] {
        std::fs::create_dir_all(root.join("train").join(class)).unwrap();
        write_png(
            &root.join("train").join(class).join("1.png"),
            4,
            4,
            [0, 0, 0],
        );
    }
    std::fs::create_dir_all(root.join("test").join("b")).unwrap();
    write_png(&root.join("test").join("b").join("1.png"), 4, 4, [0, 0, 0]);
    let source = DataSource::ImageFolder {
        dir: root.join("train").display().to_string(),
        test: Some(root.join("test").display().to_string()),
    };
    let t = data::load(&spec(source, 4, 3, None), Part::Test).unwrap();
    assert_eq!(t.labels, Some(vec![1]));
}

fn class_counts(labels: &[u32], idx: &[usize]) -> Vec<usize> {
    let mut c = vec![0; 10];
    idx.iter().for_each(|&i| c[labels[i] as usize] += 1);
    c
}

#[test]
fn split_is_class_balanced_disjoint_and_seeded() {
    crate::support::at_root();
    let train = data::load(&digits_spec(), Part::Train).unwrap();
    let labels = train.labels.as_ref().unwrap();
    let (a, b) = split::split_fraction(Some(labels), labels.len(), 0.5, 7).unwrap();
    assert_eq!(a.len() + b.len(), 1500);
    assert_eq!(a.len(), 750);
    let mut all: Vec<usize> = a.iter().chain(&b).copied().collect();
    all.sort_unstable();
    assert_eq!(all, (0..1500).collect::<Vec<_>>());
    let full = class_counts(labels, &(0..1500).collect::<Vec<_>>());
    for (got, total) in class_counts(labels, &a).iter().zip(&full) {
        assert!(
            (*got as f64 - *total as f64 / 2.0).abs() <= 1.0,
            "{got} of {total}"
        );
    }
    assert_eq!(
        split::split_fraction(Some(labels), 1500, 0.5, 7).unwrap().0,
        a
    );
    assert_ne!(
        split::split_fraction(Some(labels), 1500, 0.5, 8).unwrap().0,
        a
    );
}

#[test]
fn label_fraction_and_limit_are_class_balanced() {
    crate::support::at_root();
    let train = data::load(&digits_spec(), Part::Train).unwrap();
    let labels = train.labels.as_ref().unwrap();
    let ten = split::label_fraction(labels, 0.1, 3).unwrap();
    assert_eq!(ten.len(), 150);
    assert!(class_counts(labels, &ten)
        .iter()
        .all(|&c| c == 14 || c == 15 || c == 16));
    let tiny = split::label_fraction(labels, 0.001, 3).unwrap();
    assert_eq!(class_counts(labels, &tiny), vec![1; 10]); // at least one per class
    let lim = split::limit(Some(labels), 1500, 100, 1).unwrap();
    assert_eq!(lim.len(), 100);
    assert!(class_counts(labels, &lim).iter().all(|&c| c == 10));
    assert!(split::label_fraction(labels, 1.5, 0).is_err());
    assert!(split::label_fraction(labels, 0.0, 0).is_err());

    let mut s = digits_spec();
    s.limit = Some(200);
    let limited = data::load_train(&s, 5).unwrap();
    assert_eq!(limited.len(), 200);
    // proportional to class size: within one image of 200 * size / 1500
    let sizes = class_counts(labels, &(0..1500).collect::<Vec<_>>());
    let got = class_counts(
        limited.labels.as_ref().unwrap(),
        &(0..200).collect::<Vec<_>>(),
    );
    for (g, s) in got.iter().zip(&sizes) {
        assert!(
            (*g as f64 - 200.0 * *s as f64 / 1500.0).abs() < 1.0,
            "{got:?}"
        );
    }
}

#[test]
fn unlabelled_split_is_random_and_complete() {
    crate::support::at_root();
    let (a, b) = split::split_fraction(None, 101, 0.5, 11).unwrap();
    assert_eq!((a.len(), b.len()), (51, 50)); // round(50.5) = 51
    assert_ne!(a, (0..51).collect::<Vec<_>>());
    let mut all: Vec<usize> = a.iter().chain(&b).copied().collect();
    all.sort_unstable();
    assert_eq!(all, (0..101).collect::<Vec<_>>());
}
