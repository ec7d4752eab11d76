//! The worker process of lesson 04: the parent (`run_pool`) starts this executable and talks
//! to it over its stdin and stdout. All it does is call the library's `worker_main`.

fn main() -> std::process::ExitCode {
    lesson04::worker_main()
}
