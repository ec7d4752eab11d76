//! Horizontal bars, one row per model, each with a whisker for its 95 % interval; a row with
//! nothing to draw says why in its place ("not available here", a limit). Bars are told apart
//! by their row's label, and by fill (solid or hatched, e.g. Rust or Python) with a legend.

use super::{Anchor, Axis, Draw, Entry, Key, Placed, Placer, Svg, legend, text_width};
use crate::chart::lines::legend_height;

/// One bar.
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    /// The row's label.
    pub label: String,
    /// The bar's length, if measured.
    pub value: Option<f64>,
    /// Its 95 % interval.
    pub interval: Option<(f64, f64)>,
    /// Its fill classes (`b-rust`, `b-py`, ...).
    pub class: &'static str,
    /// Why there is no bar.
    pub note: Option<String>,
}

/// A horizontal bar chart.
#[derive(Debug, Clone)]
pub struct HBars {
    /// What it shows, for screen readers.
    pub label: String,
    /// The value axis.
    pub axis: Axis,
    /// The rows, top to bottom.
    pub bars: Vec<Bar>,
    /// Vertical reference lines: value and legend words.
    pub references: Vec<(f64, String)>,
    /// Legend entries for the fills: words and classes.
    pub fills: Vec<(String, &'static str)>,
    /// What the whiskers are, in the legend, where they are not all 95 % intervals (a range
    /// of repeats); `None` reads "95 % interval".
    pub whisker: Option<String>,
}

const WIDTH: f64 = 760.0;
const LABELS: f64 = 176.0;
const RIGHT: f64 = 24.0;
const ROW: f64 = 20.0;
const TOP: f64 = 8.0;
const BELOW: f64 = 44.0;

/// `text` cut to fit `width` at 11 px, with an ellipsis.
fn fit(text: &str, width: f64) -> String {
    if text_width(text, 11.0) <= width {
        return text.to_owned();
    }
    let mut out = String::new();
    for c in text.chars() {
        if text_width(&format!("{out}{c}…"), 11.0) > width {
            break;
        }
        out.push(c);
    }
    out + "…"
}

impl Draw for HBars {
    fn draw(&self) -> Svg {
        let entries: Vec<Entry> = self
            .fills
            .iter()
            .map(|(l, c)| Entry {
                label: l.clone(),
                key: Key::Swatch(c),
            })
            .chain(self.references.iter().map(|(_, l)| Entry {
                label: l.clone(),
                key: Key::Reference,
            }))
            .chain(self.bars.iter().any(|b| b.interval.is_some()).then(|| {
                Entry {
                    label: self
                        .whisker
                        .clone()
                        .unwrap_or_else(|| "95 % interval".into()),
                    key: Key::Whisker,
                }
            }))
            .collect();
        let labels: Vec<String> = entries.iter().map(|e| e.label.clone()).collect();
        let plot_h = ROW * self.bars.len().max(1) as f64;
        let height = (TOP + plot_h + BELOW + legend_height(&labels, WIDTH)).ceil();
        let mut svg = Svg::new(WIDTH as u32, height as u32, &self.label);
        let mut placer = Placer::new(WIDTH, height);
        let (x0, x1) = (LABELS + 6.0, WIDTH - RIGHT);
        let (y0, y1) = (TOP, TOP + plot_h);
        let px = |v: f64| self.axis.map(v, x0, x1);
        for (v, words) in self.axis.ticks(x0, x1, true) {
            let x = px(v);
            svg.line((x, y0), (x, y1), "grid");
            placer.place(
                &mut svg,
                &[Placed::at(x, y1 + 15.0, Anchor::Middle)],
                "ts",
                &words,
            );
        }
        svg.line((x0, y0), (x0, y1), "axis");
        svg.line((x0, y1), (x1, y1), "axis");
        placer.place(
            &mut svg,
            &[Placed::at((x0 + x1) / 2.0, y1 + 34.0, Anchor::Middle)],
            "t",
            &self.axis.title,
        );
        let base = px(self.axis.lo);
        for (i, b) in self.bars.iter().enumerate() {
            let top = y0 + i as f64 * ROW;
            let mid = top + ROW / 2.0;
            placer.place(
                &mut svg,
                &[Placed::at(LABELS, mid + 4.0, Anchor::End)],
                "ts",
                &fit(&b.label, LABELS - 8.0),
            );
            match b.value.filter(|v| super::drawable(self.axis.scale, *v)) {
                Some(v) => {
                    let end = px(v);
                    svg.rect(base, top + 4.0, end - base, ROW - 8.0, b.class);
                    if let Some((lo, hi)) = b.interval {
                        let (l, h) = (px(lo), px(hi));
                        svg.line((l, mid), (h, mid), "wh");
                        svg.line((l, mid - 4.0), (l, mid + 4.0), "wh");
                        svg.line((h, mid - 4.0), (h, mid + 4.0), "wh");
                    }
                }
                None => {
                    if let Some(note) = &b.note {
                        placer.place(
                            &mut svg,
                            &[Placed::at(x0 + 6.0, mid + 4.0, Anchor::Start)],
                            "ts warn",
                            &format!("✕ {note}"),
                        );
                    }
                }
            }
        }
        for (v, _) in &self.references {
            let x = px(*v);
            svg.line((x, y0), (x, y1), "ref");
        }
        legend(&mut svg, &mut placer, &entries, y1 + BELOW - 6.0, WIDTH);
        svg
    }
}
