//! Lines on x–y axes, linear or log: one series per model, each with its colour, marker and
//! dash, an optional 95 % whisker at each point, reference lines (an ideal, a bound), and
//! labelled marks (where a model stopped, a predicted knee). The legend goes below the plot.

use super::{
    Anchor, Axis, Draw, Entry, Key, Marker, Placed, Placer, Style, Svg, legend, text_width,
};

/// One point of a series, with its interval if it has one.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    /// x.
    pub x: f64,
    /// y (the median).
    pub y: f64,
    /// The interval's ends, if known.
    pub interval: Option<(f64, f64)>,
}

/// One line.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// Its legend entry.
    pub label: String,
    /// Its look.
    pub style: Style,
    /// Its points, in x order.
    pub points: Vec<Point>,
}

/// A labelled mark: a marker at a point, with a short text beside it.
#[derive(Debug, Clone, PartialEq)]
pub struct Mark {
    /// Where.
    pub at: (f64, f64),
    /// The series it belongs to (its colour).
    pub style: Style,
    /// The marker's shape (none: a label only, beside a marker drawn by another mark).
    pub marker: Option<Marker>,
    /// The text beside it (left out, with the caption saying so, where no room is free).
    pub text: String,
}

/// A reference line, dashed grey, with a legend entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Reference {
    /// Its points.
    pub points: Vec<(f64, f64)>,
    /// Its legend entry.
    pub label: String,
}

/// A line chart.
#[derive(Debug, Clone)]
pub struct Lines {
    /// What it shows, for screen readers.
    pub label: String,
    /// The x axis.
    pub x: Axis,
    /// The y axis.
    pub y: Axis,
    /// The lines.
    pub series: Vec<Series>,
    /// Labelled marks.
    pub marks: Vec<Mark>,
    /// Reference lines.
    pub references: Vec<Reference>,
    /// The plot's height, px (the legend adds to it).
    pub plot_height: u32,
    /// The legend entry of the marks' shape, if the marks need one.
    pub mark_legend: Option<(Marker, String)>,
}

const WIDTH: f64 = 760.0;
const LEFT: f64 = 74.0;
const RIGHT: f64 = 24.0;
const TOP: f64 = 10.0;
const BELOW: f64 = 44.0;

/// The height a legend of `entries` takes in a chart `width` wide (as [`legend`] lays it).
pub(crate) fn legend_height(labels: &[String], width: f64) -> f64 {
    if labels.is_empty() {
        return 0.0;
    }
    let mut x = 12.0;
    let mut rows = 1.0;
    for l in labels {
        let w = 30.0 + text_width(l, 11.0) + 16.0;
        if x + w > width - 8.0 && x > 12.0 {
            x = 12.0;
            rows += 1.0;
        }
        x += w;
    }
    rows * 18.0 + 8.0
}

impl Lines {
    fn entries(&self) -> Vec<Entry> {
        let mut out: Vec<Entry> = self
            .series
            .iter()
            .filter(|s| !s.points.is_empty())
            .map(|s| Entry {
                label: s.label.clone(),
                key: Key::Series(s.style),
            })
            .collect();
        out.extend(self.references.iter().map(|r| Entry {
            label: r.label.clone(),
            key: Key::Reference,
        }));
        if let Some((marker, words)) = &self.mark_legend {
            out.push(Entry {
                label: words.clone(),
                key: Key::Series(Style {
                    colour: 6,
                    marker: *marker,
                    dash: 0,
                }),
            });
        }
        out
    }
}

impl Draw for Lines {
    fn draw(&self) -> Svg {
        let entries = self.entries();
        let labels: Vec<String> = entries.iter().map(|e| e.label.clone()).collect();
        let plot_h = f64::from(self.plot_height);
        let legend_h = legend_height(&labels, WIDTH);
        let height = TOP + plot_h + BELOW + legend_h;
        let mut svg = Svg::new(WIDTH as u32, height.ceil() as u32, &self.label);
        let mut placer = Placer::new(WIDTH, height.ceil());
        let (x0, x1) = (LEFT, WIDTH - RIGHT);
        let (y0, y1) = (TOP + plot_h, TOP);
        let px = |x: f64| self.x.map(x, x0, x1);
        let py = |y: f64| self.y.map(y, y0, y1);

        // Gridlines and tick labels.
        for (v, words) in self.y.ticks(y0, y1, false) {
            let y = py(v);
            svg.line((x0, y), (x1, y), "grid");
            placer.place(
                &mut svg,
                &[Placed::at(x0 - 6.0, y + 4.0, Anchor::End)],
                "ts",
                &words,
            );
        }
        for (v, words) in self.x.ticks(x0, x1, true) {
            let x = px(v);
            svg.line((x, y1), (x, y0), "grid");
            placer.place(
                &mut svg,
                &[Placed::at(x, y0 + 15.0, Anchor::Middle)],
                "ts",
                &words,
            );
        }
        svg.line((x0, y0), (x1, y0), "axis");
        svg.line((x0, y0), (x0, y1), "axis");
        placer.place(
            &mut svg,
            &[Placed::at((x0 + x1) / 2.0, y0 + 34.0, Anchor::Middle)],
            "t",
            &self.x.title,
        );
        placer.place(
            &mut svg,
            &[Placed {
                x: 16.0,
                y: (y0 + y1) / 2.0,
                anchor: Anchor::Middle,
                vertical: true,
            }],
            "t",
            &self.y.title,
        );

        for r in &self.references {
            let pts: Vec<(f64, f64)> = r.points.iter().map(|&(x, y)| (px(x), py(y))).collect();
            svg.polyline(&pts, "ref");
        }
        for s in &self.series {
            let pts: Vec<(f64, f64)> = s.points.iter().map(|p| (px(p.x), py(p.y))).collect();
            svg.polyline(&pts, &s.style.line_class());
            for p in &s.points {
                if let Some((lo, hi)) = p.interval {
                    svg.line(
                        (px(p.x), py(lo)),
                        (px(p.x), py(hi)),
                        &format!("wh s{}", s.style.colour),
                    );
                }
            }
            for &(x, y) in &pts {
                svg.marker(s.style, (x, y), 3.5);
            }
        }
        legend(&mut svg, &mut placer, &entries, y0 + BELOW - 6.0, WIDTH);
        for m in &self.marks {
            let (x, y) = (px(m.at.0), py(m.at.1));
            if let Some(marker) = m.marker {
                svg.marker(Style { marker, ..m.style }, (x, y), 6.0);
            }
            if m.text.is_empty() {
                continue;
            }
            let mut candidates = Vec::new();
            for step in 0..12 {
                let dy = if step % 2 == 0 {
                    -8.0 - 14.0 * (step / 2) as f64
                } else {
                    14.0 + 14.0 * (step / 2) as f64
                };
                candidates.push(Placed::at(x + 9.0, y + dy, Anchor::Start));
                candidates.push(Placed::at(x - 9.0, y + dy, Anchor::End));
                candidates.push(Placed::at(x, y + dy, Anchor::Middle));
            }
            placer.place(&mut svg, &candidates, "ts warn", &m.text);
        }
        svg
    }
}
