//! The augmentation preview grid: layout, the original column, atomic write.

use nas_engine::data::{builtin, preview, write_preview_grid, Augmenter, Part};
use nas_ir::AugStep;

#[test]
fn grid_has_one_row_per_image_and_the_original_first() {
    let ds = builtin::digits_part(Part::Train).unwrap();
    let aug = Augmenter::from_steps(
        3,
        vec![
            AugStep::RandomResizedCrop {
                size: 8,
                scale: (0.3, 1.0),
                ratio: (0.75, 1.33),
                sampling: Default::default(),
            },
            AugStep::Normalize {
                mean: vec![0.5],
                std: vec![0.1],
            },
        ],
    )
    .unwrap();
    let grid = preview::preview_grid(&ds, &aug, 4, 1).unwrap();
    // cells of 8 px zoomed 12x = 96, 4 columns, 4 rows, 2 px gutters
    assert_eq!(
        (grid.width(), grid.height()),
        (4 * 96 + 5 * 2, 4 * 96 + 5 * 2)
    );
    // the first column is image r, nearest-neighbour upscaled, grey replicated to RGB
    for r in 0..4 {
        let img = ds.image(r).unwrap();
        for (y, x) in [(0, 0), (3, 4), (7, 7), (2, 5)] {
            let v = (img.data[y * 8 + x] * 255.0).round() as u8;
            let px = grid.get_pixel((2 + x * 12 + 5) as u32, (2 + r * 98 + y * 12 + 5) as u32);
            assert_eq!(px.0, [v, v, v]);
        }
    }
    // views skip Normalize: pixels stay within the data's range rather than saturating
    let view_px = grid.get_pixel((2 + 98 + 40) as u32, (2 + 40) as u32);
    assert_eq!(view_px.0[0], view_px.0[1]);

    let dir = std::env::temp_dir().join(format!("nas-preview-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("grid.png");
    write_preview_grid(&ds, &aug, 4, 1, &path).unwrap();
    let back = image::open(&path).unwrap().into_rgb8();
    assert_eq!(back, grid);
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name() != "grid.png")
        .collect();
    assert!(leftovers.is_empty(), "temporary files left behind");
    assert!(write_preview_grid(&ds, &aug, 4, 1, &dir.join("no/such/dir/g.png")).is_err());
}
