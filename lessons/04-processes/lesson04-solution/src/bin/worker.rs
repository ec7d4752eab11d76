//! The worker process of lesson 04: the parent (`run_pool`) starts this executable and talks
//! to it over its stdin and stdout. All it does is call the library's `worker_main`.

extern crate lesson04_solution as lesson04;

fn main() -> std::process::ExitCode {
    lesson04::worker_main()
}
