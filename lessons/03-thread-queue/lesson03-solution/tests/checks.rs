//! The lesson's checks, shared by the exercise and the solution: see `../../checks.rs`.
// The checks name the crate `lesson03`, as the exercise crate is called; here that is the
// solution.
extern crate lesson03_solution as lesson03;

include!("../../checks.rs");
