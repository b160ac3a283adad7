use std::process::ExitCode;

fn main() -> ExitCode {
    rbgen::cli::main()
}
