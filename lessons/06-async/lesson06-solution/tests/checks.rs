//! The lesson's checks, shared by the exercise and the solution: see `../../checks.rs`.
// The checks name the crate `lesson06`, as the exercise crate is called; here that is the
// solution.
extern crate lesson06_solution as lesson06;

include!("../../checks.rs");
