//! The lesson's standard run for `cargo lesson run 05`, shared by the exercise and the
//! solution: see `../../run.rs`.
// The run names the crate `lesson05`, as the exercise crate is called; here that is the
// solution.
extern crate lesson05_solution as lesson05;

include!("../../run.rs");
