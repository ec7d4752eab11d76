//! The `greetbench` binary: thin on purpose. Everything it does lives in the library.

fn main() -> std::process::ExitCode {
    // The processes model re-executes this binary as its workers.
    model_processes::run_worker_if_requested();
    greetbench::cli::main()
}
