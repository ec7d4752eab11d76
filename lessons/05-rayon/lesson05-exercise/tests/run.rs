//! The lesson's standard run for `cargo lesson run 05`, shared by the exercise and the
//! solution: see `../../run.rs`.
include!("../../run.rs");
