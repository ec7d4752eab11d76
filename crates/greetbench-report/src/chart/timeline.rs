//! One traced batch as a timeline: lanes are the OS threads (or worker processes) that ran
//! greets; in a lane, each greet has a row with a bar per phase, after a thin grey line for the
//! time it sat queued. Phases differ in colour and in height (connecting and sending thin,
//! waiting taller, crunching full), so they read without colour too. Every timeline of one
//! workload shares one time axis ([`Timeline::end_ms`]), so widths compare across models.

use super::{Anchor, Axis, Draw, Placed, Placer, Scale, Svg};

/// The phases a bar can show, in the order of their height.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Waiting to be picked up (a thin line from the batch's start).
    Queued,
    /// Connecting.
    Connecting,
    /// Sending the greeting.
    Sending,
    /// Waiting for the reply.
    Waiting,
    /// Crunching.
    Crunching,
}

impl Phase {
    /// The page's class for its colour.
    pub fn class(self) -> &'static str {
        match self {
            Phase::Queued => "ph-q",
            Phase::Connecting => "ph-c",
            Phase::Sending => "ph-s",
            Phase::Waiting => "ph-w",
            Phase::Crunching => "ph-k",
        }
    }

    /// Its band within a row, as fractions of the row (top, bottom).
    fn band(self) -> (f64, f64) {
        match self {
            Phase::Queued => (0.45, 0.55),
            Phase::Connecting | Phase::Sending => (0.35, 0.65),
            Phase::Waiting => (0.2, 0.8),
            Phase::Crunching => (0.05, 0.95),
        }
    }
}

/// One row: one greet in one lane.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// The lane's name, on the lane's first row only.
    pub lane: Option<String>,
    /// Its bars: start and end, ms from the batch's start, and phase.
    pub bars: Vec<(f64, f64, Phase)>,
}

/// A timeline.
#[derive(Debug, Clone)]
pub struct Timeline {
    /// What it shows, for screen readers.
    pub label: String,
    /// Its rows, top to bottom.
    pub rows: Vec<Row>,
    /// The end of the shared time axis, ms.
    pub end_ms: f64,
}

const WIDTH: f64 = 380.0;
const LABELS: f64 = 92.0;
const ROW: f64 = 9.0;
const BELOW: f64 = 36.0;
/// The tallest a timeline gets; past it the rows get thinner.
const MAX_PLOT: f64 = 300.0;

impl Draw for Timeline {
    fn draw(&self) -> Svg {
        let n = self.rows.len().max(1) as f64;
        let plot_h = (ROW * n).clamp(40.0, MAX_PLOT);
        let row = plot_h / n;
        let height = (6.0 + plot_h + BELOW).ceil();
        let mut svg = Svg::new(WIDTH as u32, height as u32, &self.label);
        let mut placer = Placer::new(WIDTH, height);
        let (x0, x1) = (LABELS, WIDTH - 12.0);
        let (y0, y1) = (6.0, 6.0 + plot_h);
        let axis = Axis {
            scale: Scale::Linear,
            lo: 0.0,
            hi: self.end_ms.max(0.001),
            title: "ms since the batch began".into(),
            label: super::number,
            at: None,
        };
        let px = |ms: f64| axis.map(ms, x0, x1);
        for (v, words) in axis.ticks(x0, x1, true) {
            let x = px(v);
            svg.line((x, y0), (x, y1), "grid");
            placer.place(
                &mut svg,
                &[Placed::at(x, y1 + 13.0, Anchor::Middle)],
                "tx",
                &words,
            );
        }
        svg.line((x0, y1), (x1, y1), "axis");
        placer.place(
            &mut svg,
            &[Placed::at((x0 + x1) / 2.0, y1 + 28.0, Anchor::Middle)],
            "tx",
            &axis.title,
        );
        for (i, r) in self.rows.iter().enumerate() {
            let top = y0 + i as f64 * row;
            if let Some(lane) = &r.lane {
                if i > 0 {
                    svg.line((x0 - 4.0, top), (x1, top), "lane");
                }
                placer.place(
                    &mut svg,
                    &[Placed::at(
                        x0 - 4.0,
                        top + row.min(12.0) / 2.0 + 3.5,
                        Anchor::End,
                    )],
                    "tx",
                    lane,
                );
            }
            for &(start, end, phase) in &r.bars {
                let (a, b) = phase.band();
                // At least half a pixel wide, so that a 10 µs send still shows.
                let (l, e) = (px(start), px(end).max(px(start) + 0.5));
                svg.rect(l, top + a * row, e - l, (b - a) * row, phase.class());
            }
        }
        svg
    }
}
