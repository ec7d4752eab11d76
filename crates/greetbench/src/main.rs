//! The `greetbench` binary: thin on purpose. Everything it does lives in the library.

fn main() -> std::process::ExitCode {
    // The processes and prefork models re-execute this binary as their workers.
    greetbench::registry::run_worker_if_requested();
    greetbench::cli::main()
}
