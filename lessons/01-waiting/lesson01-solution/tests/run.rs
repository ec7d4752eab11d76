//! The lesson's standard run for `cargo lesson run 01`, shared by the exercise and the
//! solution: see `../../run.rs`.
// The run names the crate `lesson01`, as the exercise crate is called; here that is the
// solution.
extern crate lesson01_solution as lesson01;

include!("../../run.rs");
