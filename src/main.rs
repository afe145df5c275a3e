//! The `telrep` binary: everything happens in `telrep::cli`.

fn main() -> std::process::ExitCode {
    telrep::cli::main(std::env::args_os())
}
