//! The `lesson-reference` binary that `cargo lesson run NN` starts: `lesson-reference MODEL`
//! measures greetbench's model on the plan in `LESSON_RUN_PLAN` and prints one measurement
//! line. Thin on purpose: the work is in the library.

fn main() -> std::process::ExitCode {
    // The processes model re-executes this binary as its workers: serve as one if asked.
    greetbench::cli::run_as_cli_if_requested();
    lesson_reference::main()
}
