//! The lesson's standard run for `cargo lesson run 02`, shared by the exercise and the
//! solution: see `../../run.rs`.
// The run names the crate `lesson02`, as the exercise crate is called; here that is the
// solution.
extern crate lesson02_solution as lesson02;

include!("../../run.rs");
