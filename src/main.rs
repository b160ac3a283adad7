use std::process::ExitCode;

fn main() -> ExitCode {
    // `rbgen explain RB026 | head`: a reader that stops early is normal for
    // a command-line tool. Rust ignores SIGPIPE, so every `println!` after
    // the reader left would panic; the default action ends the process
    // quietly, as `cat` does.
    // SAFETY: called once, before any thread starts; SIG_DFL is always valid.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    rbgen::cli::main()
}
