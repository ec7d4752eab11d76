//! The lesson's standard run for `cargo lesson run 06`, shared by the exercise and the
//! solution: see `../../run.rs`.
// The run names the crate `lesson06`, as the exercise crate is called; here that is the
// solution.
extern crate lesson06_solution as lesson06;

include!("../../run.rs");
