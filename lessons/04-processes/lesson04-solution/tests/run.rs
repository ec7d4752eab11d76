//! The lesson's standard run for `cargo lesson run 04`, shared by the exercise and the
//! solution: see `../../run.rs`.
// The run names the crate `lesson04`, as the exercise crate is called; here that is the
// solution.
extern crate lesson04_solution as lesson04;

include!("../../run.rs");
