//! How far a group's rows moved together between the two runs: the run-to-run drift that no
//! interval of one run can see, measured from the two runs themselves.
//!
//! A bootstrap over one run's samples says how much that run's samples scatter, not how far a
//! second run of the same code lands. Between two quiet `cargo bench` runs of one commit on
//! the reference machine, 20 of 304 rows moved past 5 % with their whole interval (threads'
//! io_10ms N = 1000 by −19 %, rayon-join's spawn by −11 %): a process layout, the CPU's clock
//! and the allocator's state move a whole group's rows at once. So each row's interval is
//! widened by its group's *drift*: the median, over the group's rows, of how far each moved
//! (`|ln(NEW / OLD)|`). A row then counts as changed only when it moved past the threshold
//! *and* further than its group's rows typically moved. A real change to one model moves that
//! model's rows and leaves the median where the others put it; a change that moves a whole
//! group (a new machine, kernel or compiler) widens every row of it and reads inconclusive,
//! and the diff says how far the group moved ([`Drift::moved`]).
//!
//! A group is one criterion group, or one kind of sweep question (greet batches, their CPU,
//! crunch, spawn costs, ...). A group of fewer than [`MIN_ROWS`] rows has no drift (1): a
//! median of two or three is its own rows.

use std::collections::HashMap;

use crate::view::Question;

/// The fewest rows a group needs for its median move to say anything about the others.
pub const MIN_ROWS: usize = 4;

/// The group a question belongs to, for its drift.
pub fn group(q: &Question) -> String {
    match q {
        Question::Bench { group, .. } => group.to_string(),
        Question::Greet { .. } => "greet".into(),
        Question::Crunch { .. } => "crunch".into(),
        Question::GreetCpu { .. } => "greet cpu".into(),
        Question::CpuPerJob { .. } => "cpu per job".into(),
        Question::MemoryPerWaitingGreet => "memory".into(),
        Question::Spawn { .. } => "spawn".into(),
    }
}

/// Each group's drift, as a factor ≥ 1 (1.04: its rows typically moved by 4 %).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Drift {
    by_group: HashMap<String, f64>,
}

impl Drift {
    /// The drift of every group, from each compared row's question and ratio (NEW / OLD;
    /// `None` where there is none).
    pub fn of<'q>(rows: impl IntoIterator<Item = (&'q Question, Option<f64>)>) -> Drift {
        let mut moves: HashMap<String, Vec<f64>> = HashMap::new();
        for (q, ratio) in rows {
            if let Some(r) = ratio.filter(|r| r.is_finite() && *r > 0.0) {
                moves.entry(group(q)).or_default().push(r.ln().abs());
            }
        }
        let by_group = moves
            .into_iter()
            .filter(|(_, m)| m.len() >= MIN_ROWS)
            .filter_map(|(g, m)| Some((g, crate::stats::median(&m)?.exp())))
            .collect();
        Drift { by_group }
    }

    /// The factor `q`'s interval is widened by (1 for a group too small to say).
    pub fn factor(&self, q: &Question) -> f64 {
        self.by_group.get(&group(q)).copied().unwrap_or(1.0)
    }

    /// The groups whose rows typically moved by more than `threshold`, with that move (a
    /// factor), in name order: what the diff says before its rows.
    pub fn moved(&self, threshold: f64) -> Vec<(String, f64)> {
        let mut out: Vec<(String, f64)> = self
            .by_group
            .iter()
            .filter(|(_, f)| **f > 1.0 + threshold)
            .map(|(g, f)| (g.clone(), *f))
            .collect();
        out.sort_by(|a, b| a.0.cmp(&b.0));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::group::Group;

    fn bench(size: u64) -> Question {
        Question::Bench {
            group: Group::Io(std::time::Duration::ZERO),
            size,
        }
    }

    #[test]
    fn a_group_drifts_by_its_median_move_and_one_moved_row_does_not_move_it() {
        let qs: Vec<Question> = (1..=6).map(bench).collect();
        // Five rows moved by 2 % either way, one by 50 %: the drift is the others' 2 %.
        let ratios = [1.02, 0.98, 1.02, 0.98, 1.02, 1.5];
        let d = Drift::of(qs.iter().zip(ratios.iter().map(|r| Some(*r))));
        let f = d.factor(&qs[0]);
        assert!((f - 1.02).abs() < 0.001, "drift {f}");
        assert!(d.moved(0.05).is_empty(), "one row is not the group");
        // The whole group moved by 20 %: its drift says so.
        let d = Drift::of(qs.iter().map(|q| (q, Some(1.2))));
        assert_eq!(d.moved(0.05).len(), 1);
    }

    #[test]
    fn a_small_group_has_no_drift() {
        let qs: Vec<Question> = (1..MIN_ROWS as u64).map(bench).collect();
        let d = Drift::of(qs.iter().map(|q| (q, Some(1.3))));
        assert_eq!(d.factor(&qs[0]), 1.0);
    }
}
