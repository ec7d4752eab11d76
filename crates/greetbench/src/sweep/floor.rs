//! The sweep's floor pairs: each model that keeps one unit of concurrency per greet (a thread
//! or a task each) beside the floor client of its kind, at N = 1000 and L = 50 ms, the size at
//! which the harness's cost per greet shows (see [`crate::floor_pairs`]). The report reads
//! them from the sweep's `floor`.
//!
//! Kept cheap for `cargo bench`'s budget: the pools and the one-at-a-time models are left to
//! `compare --floor` (at N = 1000 one run of them waits 25 to 50 s), and the default profile
//! runs 3 pairs per model. A pair here is two fresh children of about 0.15 s of greets each,
//! plus their start (an interpreter's, for a Python model): about 0.4 s for a Rust model and
//! 1 s for a Python one, so some 7 × 3 × 0.4 + 3 × 3 × 1 ≈ 20 s in all on 2 cores. Three
//! pairs are too few for a verdict (the interval is their range, 75 % sure); the full profile
//! runs 15.

use std::path::Path;
use std::time::Duration;

use greet_core::floor::FloorPairs;

use super::{Profile, resources};
use crate::floor_pairs::{self, Options};
use crate::harness::HarnessError;
use crate::registry;

/// Greets per run.
pub const COUNT: usize = 1000;

/// The hosts' latency.
pub const LATENCY: Duration = Duration::from_millis(50);

/// Hosts of the one server every pair greets.
pub const HOSTS: usize = 8;

/// Pairs per model.
pub fn repeats(profile: Profile) -> usize {
    match profile {
        Profile::Default => 3,
        Profile::Full => 15,
    }
}

/// The models that get floor pairs here, as names: every model of one unit per greet that
/// has a floor client and can run here.
pub fn models() -> Vec<String> {
    let per_job = resources::unpooled();
    let (with, _) = floor_pairs::kinds(&per_job);
    with.into_iter()
        .map(|(d, _)| d.name)
        .filter(|name| registry::find(name).is_ok_and(|m| m.unavailable().is_none()))
        .collect()
}

/// How many pairs [`run`] makes (two runs each), for the progress bar.
pub fn count(profile: Profile) -> usize {
    models().len() * repeats(profile)
}

/// Runs the pairs; `step` hears of each pair before it starts. Fails only if the shared
/// server cannot start.
pub fn run(
    exe: &Path,
    profile: Profile,
    step: impl FnMut(&str),
) -> Result<Vec<FloorPairs>, HarnessError> {
    let names = models();
    let (with, _) = floor_pairs::kinds(&names);
    let options = Options {
        count: COUNT,
        hosts: HOSTS,
        latency: LATENCY,
        workers: None,
        timeout: Duration::from_secs(10),
        repeats: repeats(profile),
    };
    floor_pairs::run(exe, &with, &options, step)
}

/// The pairs in the sweep's table: one line per model, its ratio to its floor client.
pub fn table(all: &[FloorPairs]) -> String {
    let mut out = format!(
        "beside the floor clients (N = {COUNT}, L = {} ms):\n",
        LATENCY.as_millis()
    );
    for p in all {
        let ratio = p.ratio().map_or("no pair kept".into(), |r| {
            format!("{} {:.0}% ({} pairs)", r.text(), r.coverage * 100.0, r.n)
        });
        out.push_str(&format!(
            "  {:<21} floor:{:<21} {ratio}\n",
            p.model,
            p.floor.name()
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use greet_core::Shape;
    use greet_core::floor::FloorKind;

    #[test]
    fn the_sweep_pairs_every_model_of_one_unit_per_greet_that_has_a_floor_client() {
        let names = models();
        assert!(!names.is_empty());
        for d in registry::descriptions() {
            let runs = registry::find(&d.name).is_ok_and(|m| m.unavailable().is_none());
            let expected = runs && d.shape == Shape::PerJob && FloorKind::of(&d).is_some();
            assert_eq!(names.contains(&d.name), expected, "{}", d.name);
        }
        assert_eq!(count(Profile::Default), names.len() * 3);
    }
}
