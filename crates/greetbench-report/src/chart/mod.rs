//! The report's charts: each kind in its own file behind [`Draw`], each taking series (numbers
//! and labels), never the results. A chart draws into an [`Svg`] scene (lines, paths, rects,
//! texts and markers, every coordinate rounded to 0.1 px), which `templates/chart.svg`
//! renders with every text escaped.
//!
//! What every chart keeps:
//! - each series is told apart by colour *and* marker or dash ([`style`]);
//! - no two texts overlap: labels are placed through a [`Placer`], which moves a label that
//!   would overlap one already placed, or leaves it out (its caption then says it);
//! - axes pick the densest "nice" ticks whose labels do not collide ([`Axis`]), so a log axis
//!   labels 1-2-5 or 1-3 steps when a decade is wide enough;
//! - no legend covers data: legends go below the plot, an HTML one beside some charts.
//!
//! # Layout
//! - [`lines`]: x–y lines with markers, on linear or log axes (time against N, p99 against
//!   offered rate, memory against N).
//! - [`hbars`]: horizontal bars with a 95 % interval whisker per bar, one row per model.
//! - [`timeline`]: one traced batch: lanes of threads or processes, a row per greet.

pub mod hbars;
pub mod lines;
pub mod timeline;

use std::fmt;

use askama::Template;

use crate::format;

/// A chart kind: series in, an SVG scene out.
pub trait Draw {
    /// Draws the chart.
    fn draw(&self) -> Svg;
}

/// A pixel coordinate, written to one decimal.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
pub struct Px(pub f64);

impl fmt::Display for Px {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let v = (self.0 * 10.0).round() / 10.0;
        let v = if v == 0.0 { 0.0 } else { v };
        if v.fract() == 0.0 {
            write!(f, "{v:.0}")
        } else {
            write!(f, "{v:.1}")
        }
    }
}

/// Where a text sits against its point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Anchor {
    /// Its start at the point.
    Start,
    /// Centred on the point.
    Middle,
    /// Its end at the point.
    End,
}

impl Anchor {
    /// The SVG attribute's value (empty for the default, `start`).
    pub fn svg(self) -> &'static str {
        match self {
            Anchor::Start => "",
            Anchor::Middle => "middle",
            Anchor::End => "end",
        }
    }
}

/// A marker's shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Marker {
    /// ●
    Circle,
    /// ■
    Square,
    /// ▲
    Triangle,
    /// ◆
    Diamond,
    /// ▼
    Down,
    /// ✕
    Cross,
    /// +
    Plus,
    /// ○: a hollow ring, for marks on a line (a predicted knee).
    Ring,
}

const MARKERS: [Marker; 7] = [
    Marker::Circle,
    Marker::Square,
    Marker::Triangle,
    Marker::Diamond,
    Marker::Down,
    Marker::Cross,
    Marker::Plus,
];

impl Marker {
    /// The marker as a path centred on `(x, y)`, `r` its half-size.
    pub fn path(self, x: f64, y: f64, r: f64) -> String {
        let p = |v: f64| Px(v).to_string();
        match self {
            Marker::Circle | Marker::Ring => format!(
                "M{} {}a{r} {r} 0 1 0 {} 0a{r} {r} 0 1 0 {} 0",
                p(x - r),
                p(y),
                p(2.0 * r),
                p(-2.0 * r)
            ),
            Marker::Square => format!(
                "M{} {}h{}v{}h{}z",
                p(x - r),
                p(y - r),
                p(2.0 * r),
                p(2.0 * r),
                p(-2.0 * r)
            ),
            Marker::Triangle => format!(
                "M{} {}L{} {}L{} {}z",
                p(x),
                p(y - r * 1.2),
                p(x + r * 1.1),
                p(y + r * 0.8),
                p(x - r * 1.1),
                p(y + r * 0.8)
            ),
            Marker::Down => format!(
                "M{} {}L{} {}L{} {}z",
                p(x),
                p(y + r * 1.2),
                p(x + r * 1.1),
                p(y - r * 0.8),
                p(x - r * 1.1),
                p(y - r * 0.8)
            ),
            Marker::Diamond => format!(
                "M{} {}L{} {}L{} {}L{} {}z",
                p(x),
                p(y - r * 1.3),
                p(x + r),
                p(y),
                p(x),
                p(y + r * 1.3),
                p(x - r),
                p(y)
            ),
            Marker::Cross => format!(
                "M{} {}l{} {}M{} {}l{} {}",
                p(x - r),
                p(y - r),
                p(2.0 * r),
                p(2.0 * r),
                p(x - r),
                p(y + r),
                p(2.0 * r),
                p(-2.0 * r)
            ),
            Marker::Plus => format!(
                "M{} {}h{}M{} {}v{}",
                p(x - r),
                p(y),
                p(2.0 * r),
                p(x),
                p(y - r),
                p(2.0 * r)
            ),
        }
    }

    /// Whether it is drawn as a stroke (no fill).
    pub fn stroked(self) -> bool {
        matches!(self, Marker::Cross | Marker::Plus | Marker::Ring)
    }
}

/// How many series colours there are: the page's stylesheet defines `.s0` to `.s9`.
pub const COLOURS: usize = 10;

/// The colours of the series classes `.s0`..`.s9` (colour-blind friendly, then darker ones).
pub const PALETTE: [&str; COLOURS] = [
    "#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#000000", "#8c564b",
    "#7f7f7f", "#6a3d9a",
];

/// A series' look: colour, marker and dash. Series `i` gets colour `i % 10` and marker
/// `i % 7`, so the first 70 series differ in the pair, and dash `(i / 10) % 3` on top.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Style {
    /// The colour class index (`.s<n>`).
    pub colour: usize,
    /// The marker.
    pub marker: Marker,
    /// The dash class index (`.d<n>`; 0 solid).
    pub dash: usize,
}

/// The style of series `index` (a model's place in the view).
pub fn style(index: usize) -> Style {
    Style {
        colour: index % COLOURS,
        marker: MARKERS[index % MARKERS.len()],
        dash: (index / COLOURS) % 3,
    }
}

impl Style {
    /// The classes of its line: colour and dash.
    pub fn line_class(&self) -> String {
        format!("ln s{} d{}", self.colour, self.dash)
    }

    /// The classes of its marker.
    pub fn marker_class(&self) -> String {
        if self.marker.stroked() {
            format!("mk ms s{}", self.colour)
        } else {
            format!("mk s{}", self.colour)
        }
    }
}

/// One element of a scene.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    /// A straight line.
    Line {
        /// Start x.
        x1: Px,
        /// Start y.
        y1: Px,
        /// End x.
        x2: Px,
        /// End y.
        y2: Px,
        /// Its classes (`grid`, `axis`, `ref`, a series' line classes).
        class: String,
    },
    /// A path (a series' line, a marker).
    Path {
        /// The path data.
        d: String,
        /// Its classes.
        class: String,
    },
    /// A rectangle (a bar).
    Rect {
        /// Left.
        x: Px,
        /// Top.
        y: Px,
        /// Width (never 0: zero-width bars are not drawn).
        w: Px,
        /// Height.
        h: Px,
        /// Its classes.
        class: String,
    },
    /// A text.
    Text {
        /// Its point.
        x: Px,
        /// Its baseline.
        y: Px,
        /// `middle` or `end` (empty: `start`).
        anchor: &'static str,
        /// Its classes (`t` 12 px, `ts` 11 px, `tx` 10 px, `warn`).
        class: &'static str,
        /// Rotated a quarter turn anticlockwise about its point (a y axis title).
        vertical: bool,
        /// The words.
        text: String,
    },
}

/// A drawn chart: the `<svg>` element, rendered by `templates/chart.svg`.
#[derive(Debug, Clone, PartialEq, Template)]
#[template(path = "chart.svg", escape = "html")]
pub struct Svg {
    /// Width, px (the page scales it down on a narrow screen).
    pub width: u32,
    /// Height, px.
    pub height: u32,
    /// What it shows, for screen readers.
    pub label: String,
    /// The elements, in drawing order.
    pub items: Vec<Item>,
}

impl askama::filters::HtmlSafe for Svg {}

impl Svg {
    /// An empty scene.
    pub fn new(width: u32, height: u32, label: &str) -> Svg {
        Svg {
            width,
            height,
            label: label.to_owned(),
            items: Vec::new(),
        }
    }

    /// A line.
    pub fn line(&mut self, (x1, y1): (f64, f64), (x2, y2): (f64, f64), class: &str) {
        self.items.push(Item::Line {
            x1: Px(x1),
            y1: Px(y1),
            x2: Px(x2),
            y2: Px(y2),
            class: class.to_owned(),
        });
    }

    /// A polyline through `points`, as a path.
    pub fn polyline(&mut self, points: &[(f64, f64)], class: &str) {
        if points.len() < 2 {
            return;
        }
        let mut d = String::new();
        for (i, (x, y)) in points.iter().enumerate() {
            d.push(if i == 0 { 'M' } else { 'L' });
            d.push_str(&format!("{} {}", Px(*x), Px(*y)));
        }
        self.items.push(Item::Path {
            d,
            class: class.to_owned(),
        });
    }

    /// A marker.
    pub fn marker(&mut self, style: Style, (x, y): (f64, f64), r: f64) {
        self.items.push(Item::Path {
            d: style.marker.path(x, y, r),
            class: style.marker_class(),
        });
    }

    /// A rectangle; nothing when it would be under a tenth of a pixel wide or high.
    pub fn rect(&mut self, x: f64, y: f64, w: f64, h: f64, class: &str) {
        if !(w >= 0.1 && h >= 0.1) {
            return;
        }
        self.items.push(Item::Rect {
            x: Px(x),
            y: Px(y),
            w: Px(w),
            h: Px(h),
            class: class.to_owned(),
        });
    }

    /// A text placed as given (the caller has checked it overlaps nothing).
    pub fn text(&mut self, t: Placed, class: &'static str, text: &str) {
        self.items.push(Item::Text {
            x: Px(t.x),
            y: Px(t.y),
            anchor: t.anchor.svg(),
            class,
            vertical: t.vertical,
            text: text.to_owned(),
        });
    }

    /// The boxes of every text, estimated ([`text_box`]): what the overlap tests check.
    pub fn text_boxes(&self) -> Vec<(Box2, &str)> {
        self.items
            .iter()
            .filter_map(|i| match i {
                Item::Text {
                    x,
                    y,
                    anchor,
                    class,
                    vertical,
                    text,
                } => {
                    let a = match *anchor {
                        "middle" => Anchor::Middle,
                        "end" => Anchor::End,
                        _ => Anchor::Start,
                    };
                    Some((
                        text_box(
                            &Placed {
                                x: x.0,
                                y: y.0,
                                anchor: a,
                                vertical: *vertical,
                            },
                            font_size(class),
                            text,
                        ),
                        text.as_str(),
                    ))
                }
                _ => None,
            })
            .collect()
    }
}

/// The font size of a text class, px (the page's stylesheet says the same).
pub fn font_size(class: &str) -> f64 {
    if class.contains("tx") {
        10.0
    } else if class.contains("ts") {
        11.0
    } else {
        12.0
    }
}

/// An axis-aligned box.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Box2 {
    /// Left.
    pub x0: f64,
    /// Top.
    pub y0: f64,
    /// Right.
    pub x1: f64,
    /// Bottom.
    pub y1: f64,
}

impl Box2 {
    /// Whether the two boxes share more than a pixel each way.
    pub fn overlaps(&self, o: &Box2) -> bool {
        self.x0.max(o.x0) + 1.0 < self.x1.min(o.x1) && self.y0.max(o.y0) + 1.0 < self.y1.min(o.y1)
    }
}

/// Where a text goes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Placed {
    /// Its point's x.
    pub x: f64,
    /// Its baseline.
    pub y: f64,
    /// How it sits on its point.
    pub anchor: Anchor,
    /// Turned a quarter anticlockwise.
    pub vertical: bool,
}

impl Placed {
    /// A horizontal text at `(x, y)`.
    pub fn at(x: f64, y: f64, anchor: Anchor) -> Placed {
        Placed {
            x,
            y,
            anchor,
            vertical: false,
        }
    }
}

/// The width of `text` at `size` px in a sans-serif font, estimated on the wide side (DejaVu
/// Sans, the widest of the usual defaults: digits are 0.64 em there).
pub fn text_width(text: &str, size: f64) -> f64 {
    text.chars()
        .map(|c| match c {
            'i' | 'l' | 'j' | '.' | ',' | ':' | ';' | '\'' | '|' | '!' | ' ' => 0.36,
            't' | 'f' | 'r' => 0.42,
            'm' | 'w' | 'M' | 'W' | '%' | '×' | '—' => 0.98,
            c if c.is_ascii_uppercase() => 0.74,
            _ => 0.64,
        })
        .sum::<f64>()
        * size
}

/// The box `text` covers when placed at `p` with font size `size`.
pub fn text_box(p: &Placed, size: f64, text: &str) -> Box2 {
    let w = text_width(text, size);
    let (ascent, descent) = (size * 0.8, size * 0.25);
    let (lo, hi) = match p.anchor {
        Anchor::Start => (0.0, w),
        Anchor::Middle => (-w / 2.0, w / 2.0),
        Anchor::End => (-w, 0.0),
    };
    if p.vertical {
        // Rotated -90° about its point: the text runs upwards from y.
        Box2 {
            x0: p.x - ascent,
            y0: p.y - hi,
            x1: p.x + descent,
            y1: p.y - lo,
        }
    } else {
        Box2 {
            x0: p.x + lo,
            y0: p.y - ascent,
            x1: p.x + hi,
            y1: p.y + descent,
        }
    }
}

/// Places texts so that none overlaps another: each label is tried at its candidate points in
/// turn and goes at the first that is free and inside the chart.
#[derive(Debug, Default)]
pub struct Placer {
    boxes: Vec<Box2>,
    width: f64,
    height: f64,
}

impl Placer {
    /// A placer for a chart of `width` × `height`.
    pub fn new(width: f64, height: f64) -> Placer {
        Placer {
            boxes: Vec::new(),
            width,
            height,
        }
    }

    /// Places `text` at the first free candidate and draws it; `false` when none was free.
    pub fn place(
        &mut self,
        svg: &mut Svg,
        candidates: &[Placed],
        class: &'static str,
        text: &str,
    ) -> bool {
        let size = font_size(class);
        for c in candidates {
            let b = text_box(c, size, text);
            let inside = b.x0 >= 0.0 && b.y0 >= 0.0 && b.x1 <= self.width && b.y1 <= self.height;
            if inside && !self.boxes.iter().any(|o| o.overlaps(&b)) {
                self.boxes.push(b);
                svg.text(*c, class, text);
                return true;
            }
        }
        false
    }

    /// Reserves a box no text may enter.
    pub fn reserve(&mut self, b: Box2) {
        self.boxes.push(b);
    }
}

/// How an axis maps values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scale {
    /// Evenly.
    Linear,
    /// By decades.
    Log,
}

/// An axis: its range, scale, title and how its labels are written.
#[derive(Debug, Clone)]
pub struct Axis {
    /// Linear or log.
    pub scale: Scale,
    /// The lowest value shown.
    pub lo: f64,
    /// The highest value shown.
    pub hi: f64,
    /// The title, with its unit.
    pub title: String,
    /// How a tick's label is written.
    pub label: fn(f64) -> String,
    /// Ticks at these values only (a discrete axis such as thread counts), if given.
    pub at: Option<Vec<f64>>,
}

/// The largest value any chart draws, and (on a log axis) the smallest: a value beyond is
/// left out as if missing. Real figures are far inside; a hostile file is not.
pub const LARGEST: f64 = 1e15;
/// The smallest positive value a log axis draws.
pub const SMALLEST: f64 = 1e-15;

/// Whether `v` can be drawn on an axis of `scale`.
pub fn drawable(scale: Scale, v: f64) -> bool {
    match scale {
        Scale::Log => v.is_finite() && (SMALLEST..=LARGEST).contains(&v),
        Scale::Linear => v.is_finite() && v.abs() <= LARGEST,
    }
}

impl Axis {
    /// An axis over `values` (the drawable ones), padded; `None` when there are none.
    pub fn over(
        scale: Scale,
        values: impl IntoIterator<Item = f64>,
        title: &str,
        label: fn(f64) -> String,
    ) -> Option<Axis> {
        let (lo, hi) = values
            .into_iter()
            .filter(|v| drawable(scale, *v))
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
                (a.min(v), b.max(v))
            });
        if lo > hi {
            return None;
        }
        let (lo, hi) = match scale {
            Scale::Log => {
                let (lo, hi) = if hi / lo < 1.5 {
                    (lo / 1.5, hi * 1.5)
                } else {
                    (lo / 1.15, hi * 1.15)
                };
                (lo.max(SMALLEST), hi.min(LARGEST))
            }
            Scale::Linear => {
                let lo = lo.min(0.0);
                let hi = if hi > lo { hi * 1.08 } else { lo + 1.0 };
                (lo, hi)
            }
        };
        Some(Axis {
            scale,
            lo,
            hi,
            title: title.to_owned(),
            label,
            at: None,
        })
    }

    /// The same axis, with ticks at `values` only.
    pub fn ticks_at(mut self, values: Vec<f64>) -> Axis {
        self.at = Some(values);
        self
    }

    /// Where `v` falls between `a` (at `lo`) and `b` (at `hi`), px.
    pub fn map(&self, v: f64, a: f64, b: f64) -> f64 {
        let t = match self.scale {
            Scale::Linear => (v - self.lo) / (self.hi - self.lo),
            Scale::Log => (v.ln() - self.lo.ln()) / (self.hi.ln() - self.lo.ln()),
        };
        let t = if t.is_finite() {
            t.clamp(-0.05, 1.05)
        } else {
            0.0
        };
        a + t * (b - a)
    }

    /// Candidate tick sets, densest first.
    fn tick_sets(&self) -> Vec<Vec<f64>> {
        if let Some(at) = &self.at {
            let all: Vec<f64> = at
                .iter()
                .copied()
                .filter(|v| *v >= self.lo && *v <= self.hi)
                .collect();
            let every_other: Vec<f64> = all.iter().copied().step_by(2).collect();
            return vec![all, every_other];
        }
        match self.scale {
            Scale::Log => {
                let (a, b) = (
                    self.lo.log10().floor() as i32,
                    self.hi.log10().ceil() as i32,
                );
                let decades = |mults: &[f64], every: i32| -> Vec<f64> {
                    (a..=b)
                        .filter(|e| (e - a) % every == 0)
                        .flat_map(|e| mults.iter().map(move |m| m * 10f64.powi(e)))
                        .filter(|v| *v >= self.lo && *v <= self.hi)
                        .collect()
                };
                vec![
                    decades(&[1.0, 2.0, 3.0, 5.0], 1),
                    decades(&[1.0, 2.0, 5.0], 1),
                    decades(&[1.0, 3.0], 1),
                    decades(&[1.0], 1),
                    decades(&[1.0], 2),
                    decades(&[1.0], 3),
                    decades(&[1.0], 5),
                ]
            }
            Scale::Linear => {
                let span = self.hi - self.lo;
                let mut sets = Vec::new();
                for target in [10.0, 8.0, 6.0, 5.0, 4.0, 3.0, 2.0] {
                    let raw = span / target;
                    let mag = 10f64.powf(raw.log10().floor());
                    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
                        .iter()
                        .map(|m| m * mag)
                        .find(|s| *s >= raw)
                        .unwrap_or(10.0 * mag);
                    let first = (self.lo / step).ceil() as i64;
                    let last = (self.hi / step).floor() as i64;
                    if last - first > 40 || last < first {
                        continue;
                    }
                    sets.push((first..=last).map(|k| k as f64 * step).collect());
                }
                sets
            }
        }
    }

    /// The densest ticks, with their labels, whose labels do not collide along an axis of
    /// length `a`..`b` px; `along_x` when labels sit side by side (an x axis), else stacked.
    pub fn ticks(&self, a: f64, b: f64, along_x: bool) -> Vec<(f64, String)> {
        for set in self.tick_sets() {
            if set.len() < 2 {
                continue;
            }
            let labelled: Vec<(f64, String)> = set.iter().map(|v| (*v, (self.label)(*v))).collect();
            // No two labels alike (a coarse formatter would print "100" twice).
            let mut names: Vec<&str> = labelled.iter().map(|l| l.1.as_str()).collect();
            names.dedup();
            if names.len() != labelled.len() {
                continue;
            }
            let fits = labelled.windows(2).all(|w| {
                let (p, q) = (self.map(w[0].0, a, b), self.map(w[1].0, a, b));
                let gap = (q - p).abs();
                if along_x {
                    gap > (text_width(&w[0].1, 11.0) + text_width(&w[1].1, 11.0)) / 2.0 + 8.0
                } else {
                    gap > 15.0
                }
            });
            if fits {
                return labelled;
            }
        }
        // Only the ends.
        [self.lo, self.hi]
            .into_iter()
            .map(|v| (v, (self.label)(v)))
            .collect()
    }
}

/// A label for a number on an axis: three significant figures, without trailing zeros (an
/// axis label names a tick, not a measurement).
pub fn number(v: f64) -> String {
    let s = format::sig3(v);
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        s
    }
}

/// A legend entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// The words.
    pub label: String,
    /// How it is drawn.
    pub key: Key,
}

/// How a legend entry's key is drawn.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Key {
    /// A series: a short line with its marker.
    Series(Style),
    /// A bar's swatch, with its classes.
    Swatch(&'static str),
    /// A reference line (dashed grey).
    Reference,
    /// An interval's whisker.
    Whisker,
}

/// Lays `entries` out in rows below a plot, from `top`, in a chart `width` wide; returns the
/// height used.
pub fn legend(svg: &mut Svg, placer: &mut Placer, entries: &[Entry], top: f64, width: f64) -> f64 {
    let (mut x, mut y) = (12.0, top + 14.0);
    let row = 18.0;
    for e in entries {
        let w = 30.0 + text_width(&e.label, 11.0) + 16.0;
        if x + w > width - 8.0 && x > 12.0 {
            x = 12.0;
            y += row;
        }
        match e.key {
            Key::Series(s) => {
                svg.line((x, y - 4.0), (x + 24.0, y - 4.0), &s.line_class());
                svg.marker(s, (x + 12.0, y - 4.0), 3.5);
            }
            Key::Swatch(class) => svg.rect(x + 4.0, y - 10.0, 16.0, 11.0, class),
            Key::Reference => svg.line((x, y - 4.0), (x + 24.0, y - 4.0), "ref"),
            Key::Whisker => {
                svg.line((x + 2.0, y - 4.0), (x + 22.0, y - 4.0), "wh");
                svg.line((x + 2.0, y - 8.0), (x + 2.0, y), "wh");
                svg.line((x + 22.0, y - 8.0), (x + 22.0, y), "wh");
            }
        }
        placer.place(
            svg,
            &[Placed::at(x + 30.0, y, Anchor::Start)],
            "ts",
            &e.label,
        );
        x += w;
    }
    y - top + 8.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coordinates_are_written_to_one_decimal() {
        assert_eq!(Px(12.345_678_901_234).to_string(), "12.3");
        assert_eq!(Px(12.0).to_string(), "12");
        assert_eq!(Px(-0.01).to_string(), "0");
    }

    #[test]
    fn the_first_seventy_series_differ_in_colour_and_marker() {
        let styles: Vec<(usize, Marker)> = (0..70)
            .map(|i| (style(i).colour, style(i).marker))
            .collect();
        for (i, a) in styles.iter().enumerate() {
            assert!(!styles[..i].contains(a), "series {i} repeats {a:?}");
        }
    }

    #[test]
    fn log_ticks_label_steps_within_a_decade_when_it_is_wide() {
        let axis = Axis {
            scale: Scale::Log,
            lo: 1.0,
            hi: 1000.0,
            title: String::new(),
            label: number,
            at: None,
        };
        let wide = axis.ticks(0.0, 700.0, true);
        assert!(wide.len() >= 7, "{wide:?}");
        let narrow = axis.ticks(0.0, 120.0, true);
        assert!(narrow.len() < wide.len() && narrow.len() >= 2, "{narrow:?}");
    }

    #[test]
    fn the_placer_moves_a_label_that_would_overlap() {
        let mut svg = Svg::new(200, 100, "t");
        let mut p = Placer::new(200.0, 100.0);
        let here = Placed::at(10.0, 20.0, Anchor::Start);
        let below = Placed::at(10.0, 40.0, Anchor::Start);
        assert!(p.place(&mut svg, &[here], "t", "first label"));
        assert!(p.place(&mut svg, &[here, below], "t", "second label"));
        assert!(!p.place(&mut svg, &[here, below], "t", "third"));
        let boxes = svg.text_boxes();
        assert_eq!(boxes.len(), 2);
        assert!(!boxes[0].0.overlaps(&boxes[1].0));
    }
}
