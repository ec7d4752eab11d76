//! The lesson's standard run for `cargo lesson run 03`, shared by the exercise and the
//! solution: see `../../run.rs`.
// The run names the crate `lesson03`, as the exercise crate is called; here that is the
// solution.
extern crate lesson03_solution as lesson03;

include!("../../run.rs");
