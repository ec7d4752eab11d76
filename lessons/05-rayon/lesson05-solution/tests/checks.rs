//! The lesson's checks, shared by the exercise and the solution: see `../../checks.rs`.
// The checks name the crate `lesson05`, as the exercise crate is called; here that is the
// solution.
extern crate lesson05_solution as lesson05;

include!("../../checks.rs");
