//! The lesson's checks, shared by the exercise and the solution: see `../../checks.rs`.
// The checks name the crate `lesson09`, as the exercise crate is called; here that is the
// solution.
extern crate lesson09_solution as lesson09;

include!("../../checks.rs");
