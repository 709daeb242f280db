//! PNG line charts with `plotters`: panels stacked vertically, one line per series, drawn
//! into an RGB buffer and encoded by `image`. Text uses the DejaVu Sans font embedded in
//! the binary (`assets/fonts`), so drawing never looks up system fonts.
//!
//! Contract: `render_png` returns the complete PNG bytes or an error message; it writes
//! nothing. `stage_panels` says what to draw for a stage (none for stages without curves).

use std::io::Cursor;
use std::sync::OnceLock;

use plotters::element::DashedPathElement;
use plotters::prelude::*;

use super::folder::{Metric, StageRecord};
use super::table::{loss_label, objective_name};
use nas_ir::StageKind;

/// Width and height in pixels of every plot.
pub const PLOT_SIZE: (u32, u32) = (800, 600);

const FONT: &str = "sans-serif";
static FONT_BYTES: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans.ttf");

/// Room added on the legend's side of a panel's y range, per legend row, as a share of the
/// padded span of the data (`bounds`).
const LEGEND_ROOM_PER_SERIES: f64 = 0.12;

/// Colours of series, in order (the "tab10" qualitative palette).
const PALETTE: [RGBColor; 8] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
];

/// Where a panel's legend goes; `bounds` makes room for it there, clear of the data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Corner {
    UpperRight,
    LowerRight,
}

/// One line of a panel.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub name: String,
    /// `(x, y)` in drawing order; non-finite points are skipped.
    pub points: Vec<(f64, f64)>,
    /// Index into the palette (wraps around).
    pub color: usize,
    pub dashed: bool,
    /// Draw a dot at every point (for short series).
    pub markers: bool,
    /// Half-lengths of vertical error bars, one per point (none: no bars).
    pub errors: Option<Vec<f64>>,
}

impl Series {
    pub fn line(name: impl Into<String>, points: Vec<(f64, f64)>, color: usize) -> Series {
        Series {
            name: name.into(),
            points,
            color,
            dashed: false,
            markers: false,
            errors: None,
        }
    }
}

/// One chart: a title, axis descriptions and its lines.
#[derive(Debug, Clone, PartialEq)]
pub struct Panel {
    pub title: String,
    pub x_label: String,
    pub y_label: String,
    pub series: Vec<Series>,
    pub legend: Corner,
}

/// What to draw for a stage: loss and alpha entropy for a search, loss and accuracies
/// per seed for a supervised stage, the loss for `ssl_train`; none otherwise.
pub fn stage_panels(rec: &StageRecord) -> Option<Vec<Panel>> {
    let panel = |title: &str, y_label: &str, series, legend| Panel {
        title: title.into(),
        x_label: "epoch".into(),
        y_label: y_label.into(),
        series,
        legend,
    };
    match rec.kind() {
        StageKind::SslSearch(s) => Some(vec![
            panel(
                &format!("{}: {} loss", rec.name(), objective_name(&s.objective)),
                loss_label(&s.objective),
                vec![Series::line("loss", rec.series(Metric::Loss, None), 0)],
                Corner::UpperRight,
            ),
            panel(
                "alpha entropy",
                "entropy (nats)",
                vec![Series::line(
                    "alpha entropy",
                    rec.series(Metric::AlphaEntropy, None),
                    1,
                )],
                Corner::UpperRight,
            ),
        ]),
        StageKind::SslTrain(s) => Some(vec![panel(
            &format!("{}: {} loss", rec.name(), objective_name(&s.objective)),
            loss_label(&s.objective),
            vec![Series::line("loss", rec.series(Metric::Loss, None), 0)],
            Corner::UpperRight,
        )]),
        StageKind::Finetune(_) | StageKind::Train(_) | StageKind::LinearEval(_) => {
            let seeds = rec.metric_seeds();
            let loss = seeds
                .iter()
                .enumerate()
                .map(|(i, &s)| {
                    Series::line(format!("seed {s}"), rec.series(Metric::Loss, Some(s)), i)
                })
                .collect();
            let mut acc = Vec::new();
            for (i, &s) in seeds.iter().enumerate() {
                let percent = |key: Metric| -> Vec<(f64, f64)> {
                    let points = rec.series(key, Some(s));
                    points.into_iter().map(|(x, y)| (x, 100.0 * y)).collect()
                };
                acc.push(Series::line(
                    format!("train, seed {s}"),
                    percent(Metric::TrainAcc),
                    i,
                ));
                let val = percent(Metric::ValAcc);
                if !val.is_empty() {
                    acc.push(Series {
                        dashed: true,
                        ..Series::line(format!("val, seed {s}"), val, i)
                    });
                }
            }
            Some(vec![
                panel(
                    &format!("{}: training loss", rec.name()),
                    "cross-entropy",
                    loss,
                    Corner::UpperRight,
                ),
                panel("accuracy", "accuracy %", acc, Corner::LowerRight),
            ])
        }
        StageKind::Derive(_) | StageKind::Knn(_) | StageKind::Nb201Lookup(_) => None,
    }
}

/// Make the embedded font the one plotters draws `sans-serif` text with (once).
fn register_font() -> Result<(), String> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = *REGISTERED.get_or_init(|| {
        plotters::style::register_font(FONT, FontStyle::Normal, FONT_BYTES).is_ok()
    });
    if ok {
        Ok(())
    } else {
        Err("internal error: the embedded font does not load; please report".into())
    }
}

/// Draw `panels` stacked vertically into a PNG of `size` pixels.
pub fn render_png(panels: &[Panel], size: (u32, u32)) -> Result<Vec<u8>, String> {
    register_font()?;
    let (w, h) = size;
    let mut rgb = vec![0u8; w as usize * h as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, size).into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        let areas = root.split_evenly((panels.len().max(1), 1));
        for (area, panel) in areas.iter().zip(panels) {
            draw_panel(area, panel).map_err(|e| format!("panel `{}`: {e}", panel.title))?;
        }
        root.present().map_err(|e| e.to_string())?;
    }
    let img = image::RgbImage::from_raw(w, h, rgb)
        .ok_or("internal error: the plot buffer has the wrong size; please report")?;
    let mut png = Cursor::new(Vec::new());
    img.write_to(&mut png, image::ImageFormat::Png)
        .map_err(|e| format!("cannot encode the PNG: {e}"))?;
    Ok(png.into_inner())
}

type Area<'a> = DrawingArea<BitMapBackend<'a>, plotters::coord::Shift>;
type DrawResult = Result<(), Box<dyn std::error::Error + 'static>>;

fn draw_panel(area: &Area<'_>, panel: &Panel) -> DrawResult {
    let (x, y) = bounds(panel);
    // about one tick per distinct x (epochs are whole numbers), at most 10
    let mut xs: Vec<f64> = panel
        .series
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.0))
        .collect();
    xs.sort_by(f64::total_cmp);
    xs.dedup();
    let whole = |v: &f64| {
        if (v - v.round()).abs() < 1e-9 {
            format!("{v:.0}")
        } else {
            format!("{v:.1}")
        }
    };
    let mut chart = ChartBuilder::on(area)
        .caption(&panel.title, (FONT, 18))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(60)
        .build_cartesian_2d(x.0..x.1, y.0..y.1)?;
    chart
        .configure_mesh()
        .x_desc(panel.x_label.as_str())
        .y_desc(panel.y_label.as_str())
        .x_labels(xs.len().clamp(2, 10))
        .x_label_formatter(&whole)
        .label_style((FONT, 12))
        .axis_desc_style((FONT, 13))
        .light_line_style(WHITE.mix(0.0))
        .draw()?;
    for s in &panel.series {
        let color = PALETTE[s.color % PALETTE.len()];
        let style = color.stroke_width(2);
        let points: Vec<(f64, f64)> = s
            .points
            .iter()
            .copied()
            .filter(|(x, y)| x.is_finite() && y.is_finite())
            .collect();
        if s.markers {
            let dots = points.iter().map(|&p| Circle::new(p, 4, color.filled()));
            chart.draw_series(dots)?;
        }
        if s.dashed {
            chart
                .draw_series(DashedLineSeries::new(points, 6, 4, style))?
                .label(s.name.as_str())
                .legend(move |(x, y)| {
                    DashedPathElement::new(vec![(x, y), (x + 20, y)], 6, 4, style)
                });
        } else {
            chart
                .draw_series(LineSeries::new(points, style))?
                .label(s.name.as_str())
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], style));
        }
        if let Some(errors) = &s.errors {
            let bars = s
                .points
                .iter()
                .zip(errors)
                .filter(|((x, y), e)| x.is_finite() && y.is_finite() && e.is_finite())
                .map(|(&(x, y), e)| PathElement::new(vec![(x, y - e), (x, y + e)], style));
            chart.draw_series(bars)?;
        }
    }
    if !panel.series.is_empty() {
        let position = match panel.legend {
            Corner::UpperRight => SeriesLabelPosition::UpperRight,
            Corner::LowerRight => SeriesLabelPosition::LowerRight,
        };
        chart
            .configure_series_labels()
            .position(position)
            .label_font((FONT, 12))
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK.mix(0.4))
            .draw()?;
    }
    Ok(())
}

/// The x and y ranges covering every finite point (and error bar), with some room;
/// `0..1` for a panel without data.
fn bounds(panel: &Panel) -> ((f64, f64), (f64, f64)) {
    let mut xs = Vec::new();
    let mut ys = Vec::new();
    for s in &panel.series {
        for (i, &(x, y)) in s.points.iter().enumerate() {
            if !(x.is_finite() && y.is_finite()) {
                continue;
            }
            xs.push(x);
            let e = s
                .errors
                .as_ref()
                .and_then(|e| e.get(i).copied())
                .filter(|e| e.is_finite())
                .unwrap_or(0.0);
            ys.push(y - e);
            ys.push(y + e);
        }
    }
    let (lo, hi) = padded(&ys, 0.08);
    // room for the legend's rows on its side, so it never sits on a curve or an error bar
    let room = (hi - lo) * LEGEND_ROOM_PER_SERIES * panel.series.len() as f64;
    let y = match panel.legend {
        Corner::UpperRight => (lo, hi + room),
        Corner::LowerRight => (lo - room, hi),
    };
    (padded(&xs, 0.04), y)
}

fn padded(v: &[f64], frac: f64) -> (f64, f64) {
    let lo = v.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if !lo.is_finite() || !hi.is_finite() {
        return (0.0, 1.0);
    }
    if hi - lo < 1e-12 {
        let pad = (lo.abs() * 0.1).max(0.5);
        return (lo - pad, hi + pad);
    }
    let pad = (hi - lo) * frac;
    (lo - pad, hi + pad)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_and_flat_data_still_get_a_range() {
        assert_eq!(padded(&[], 0.1), (0.0, 1.0));
        let (lo, hi) = padded(&[2.0, 2.0], 0.1);
        assert!(lo < 2.0 && hi > 2.0);
        let (lo, hi) = padded(&[0.0, 10.0], 0.1);
        assert_eq!((lo, hi), (-1.0, 11.0));
    }

    fn panel_with(legend: Corner) -> Panel {
        let mut errors = Series::line("(a) - (b)", vec![(6.0, 1.0), (36.0, 2.0)], 0);
        errors.errors = Some(vec![0.5, 0.5]);
        let other = Series::line("(a) - (c)", vec![(6.0, -3.0), (36.0, -6.0)], 1);
        Panel {
            title: String::new(),
            x_label: String::new(),
            y_label: String::new(),
            series: vec![errors, other],
            legend,
        }
    }

    #[test]
    fn the_legend_side_gets_room_beyond_every_point_and_error_bar() {
        // data with its error bars spans -6 .. 2.5 (8.5); two legend rows
        let ((x0, x1), (y0, y1)) = bounds(&panel_with(Corner::UpperRight));
        assert!(x0 < 6.0 && x1 > 36.0, "x {x0}..{x1}");
        let above = y1 - 2.5;
        let below = -6.0 - y0;
        assert!(above > below + 8.5 * 0.2, "above {above}, below {below}");
        let ((_, _), (y0, y1)) = bounds(&panel_with(Corner::LowerRight));
        let above = y1 - 2.5;
        let below = -6.0 - y0;
        assert!(below > above + 8.5 * 0.2, "above {above}, below {below}");
    }
}
