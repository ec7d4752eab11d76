//! The lesson's checks, shared by the exercise and the solution: see `../../checks.rs`.
// The checks name the crate `lesson08`, as the exercise crate is called; here that is the
// solution.
extern crate lesson08_solution as lesson08;

include!("../../checks.rs");
