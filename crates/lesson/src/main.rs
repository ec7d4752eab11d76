//! The `lesson` binary behind the `cargo lesson` alias (see `.cargo/config.toml`). Thin on
//! purpose: everything it does lives in the library.

fn main() -> std::process::ExitCode {
    lesson::cli::main()
}
