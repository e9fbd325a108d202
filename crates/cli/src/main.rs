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
#[global_allocator]
static GLOBAL: HugePages = HugePages;

/// mimalloc, asking the kernel for transparent huge pages for large blocks (the flat search's
/// state arena and hash table grow to hundreds of MiB; with 4 KiB pages, faulting them in
/// took a quarter of its time).
struct HugePages;

const HUGE_FROM: usize = 8 << 20;

fn advise_huge(p: *mut u8, size: usize) {
    if p.is_null() || size < HUGE_FROM {
        return;
    }
    let start = (p as usize + 4095) & !4095;
    let end = (p as usize + size) & !4095;
    if end > start {
        // SAFETY: the range lies within the block just allocated; the advice changes how the
        // kernel backs it, not its contents.
        unsafe {
            libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_HUGEPAGE);
        }
    }
}

// SAFETY: every call is mimalloc's; the advice does not touch the memory's contents.
unsafe impl std::alloc::GlobalAlloc for HugePages {
    unsafe fn alloc(&self, layout: std::alloc::Layout) -> *mut u8 {
        let p = unsafe { mimalloc::MiMalloc.alloc(layout) };
        advise_huge(p, layout.size());
        p
    }
    unsafe fn alloc_zeroed(&self, layout: std::alloc::Layout) -> *mut u8 {
        let p = unsafe { mimalloc::MiMalloc.alloc_zeroed(layout) };
        advise_huge(p, layout.size());
        p
    }
    unsafe fn dealloc(&self, p: *mut u8, layout: std::alloc::Layout) {
        unsafe { mimalloc::MiMalloc.dealloc(p, layout) }
    }
    unsafe fn realloc(&self, p: *mut u8, layout: std::alloc::Layout, size: usize) -> *mut u8 {
        let q = unsafe { mimalloc::MiMalloc.realloc(p, layout, size) };
        advise_huge(q, size);
        q
    }
}

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
