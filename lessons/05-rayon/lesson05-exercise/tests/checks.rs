//! The lesson's checks, shared by the exercise and the solution: see `../../checks.rs`.
include!("../../checks.rs");
