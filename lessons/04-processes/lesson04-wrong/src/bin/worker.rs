//! The worker process for lesson 04's known-wrong solutions: the given worker, unchanged (the
//! mistakes are all on the parent side).

fn main() -> std::process::ExitCode {
    lesson04_solution::worker_main()
}
