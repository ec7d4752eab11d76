//! The lesson's checks, shared by the exercise and the solution: see `../../checks.rs`.
// The checks name the crate `lesson01`, as the exercise crate is called; here that is the
// solution.
extern crate lesson01_solution as lesson01;

include!("../../checks.rs");
