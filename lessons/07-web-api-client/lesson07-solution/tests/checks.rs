//! The lesson's checks, shared by the exercise and the solution: see `../../checks.rs`.
// The checks name the crate `lesson07`, as the exercise crate is called; here that is the
// solution.
extern crate lesson07_solution as lesson07;

include!("../../checks.rs");
