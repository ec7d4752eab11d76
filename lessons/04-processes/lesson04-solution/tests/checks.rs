//! The lesson's checks, shared by the exercise and the solution: see `../../checks.rs`.
// The checks name the crate `lesson04`, as the exercise crate is called; here that is the
// solution.
extern crate lesson04_solution as lesson04;

include!("../../checks.rs");
