//! `conform client`: the command line of the client checks (being built).

/// Checks a client: plays a server on a port and judges what the client does.
#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(_args: Args) -> std::process::ExitCode {
    std::process::ExitCode::from(2)
}
