//! The lesson's checks, shared by the exercise and the solution: see `../../checks.rs`.
// The checks name the crate `lesson02`, as the exercise crate is called; here that is the
// solution.
extern crate lesson02_solution as lesson02;

include!("../../checks.rs");
