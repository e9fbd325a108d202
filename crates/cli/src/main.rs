//! The `lbos` binary: parses flags and wires the libraries together. It owns the terminal's
//! layout (columns, headings); it must not define semantics (lbos-vm), search (lbos-check), or
//! words, schedules and JSON of its own (`lbos_vm::present`, `lbos_check::present`, which the
//! server shares).

mod catalog;
mod check;
mod flags;
mod load;
mod mutate;
mod run;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

// The checker allocates and frees many small states; mimalloc is markedly faster at that.
// (Transparent huge pages for the flat search's large blocks were tried and measured: on this
// kind of virtual machine the search was 9-18% slower with them, bench/README.md.)
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "lbos",
    version,
    about = "Run, check and explore synchronization puzzles from The Little Book of Semaphores"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Simulate one execution of a Sync program, step by step.
    Run(run::RunArgs),
    /// Explore every interleaving: deadlocks, assertions, invariants, runtime errors.
    Check(check::CheckArgs),
    /// The book's problems: list, show, export, check.
    Catalog(catalog::CatalogArgs),
    /// Mutation analysis: does the program's specification notice each plausible mistake?
    Mutate(mutate::MutateArgs),
    /// The simulator and checker in the browser.
    Serve(lbos_server::ServeArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if !matches!(cli.command, Command::Serve(_)) {
        die_quietly_on_a_closed_pipe();
    }
    let code = match cli.command {
        Command::Run(args) => run::main(args),
        Command::Check(args) => check::main(args),
        Command::Catalog(args) => catalog::main(args),
        Command::Mutate(args) => mutate::main(args),
        Command::Serve(args) => lbos_server::main(args),
    };
    ExitCode::from(code)
}

/// `lbos check FILE | head` should stop quietly when `head` has read enough, as Unix tools do,
/// instead of panicking in `println!` (Rust ignores SIGPIPE by default). Not for `serve`,
/// whose closed sockets are ordinary errors.
fn die_quietly_on_a_closed_pipe() {
    #[cfg(unix)]
    // SAFETY: restoring the default disposition of one signal before any thread is started.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}
