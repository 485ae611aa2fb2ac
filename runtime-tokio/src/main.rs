//! `ferrokey-tokio`: sockets, tasks, timers and signals around `engine`; nothing else.
//!
//! The network server arrives with the runtimes issue; until then this binary reports that
//! plainly instead of pretending to listen.

use std::process::ExitCode;

fn main() -> ExitCode {
    eprintln!(
        "ferrokey-tokio {}: the network server is not built yet (see the runtimes issue); nothing is listening",
        engine::VERSION
    );
    ExitCode::FAILURE
}
