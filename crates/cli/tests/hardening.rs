//! Hostile input to `lbos run`, `lbos check` and `lbos catalog check`: every case gets a clear
//! error or verdict with its documented exit code (README: "Exit codes"), never a panic, a hang
//! or unbounded output.

use std::process::Output;

mod common;

use common::{lbos, stderr, stdout, write_temp};

const OK: i32 = 0;
const VIOLATION: i32 = 1;
const BAD_INPUT: i32 = 2;

/// Asserts the exit code, and that nothing panicked (a panic exits with 101 and says so).
fn expect_code(o: &Output, code: i32) {
    assert!(!stderr(o).contains("panicked"), "{}", stderr(o));
    assert_eq!(
        o.status.code(),
        Some(code),
        "stdout:\n{}\nstderr:\n{}",
        &stdout(o)[..stdout(o).len().min(4000)],
        stderr(o)
    );
}

/// A file in a fresh folder of its own under the system's temporary folder.
const SMALL: &str = "x = 0\n## Thread\nx += 1\n";

#[test]
fn thousands_of_nested_parentheses_are_a_located_error_in_run_and_check() {
    let n = 4000;
    let f = write_temp(
        "parens.sync",
        format!(
            "x = {}1{}\n## Thread\nx += 1\n",
            "(".repeat(n),
            ")".repeat(n)
        ),
    );
    for cmd in ["run", "check"] {
        let o = lbos(&[cmd, &f]);
        expect_code(&o, BAD_INPUT);
        let e = stderr(&o);
        assert!(e.contains("expected a simpler expression"), "{e}");
        assert!(e.contains(&format!("{f}:1:")), "{e}");
        assert!(e.contains("hint: split it over several rows"), "{e}");
    }
}

#[test]
fn long_operator_chains_and_deep_blocks_are_located_errors() {
    let chain = write_temp(
        "chain.sync",
        format!("x = 1{}\n## Thread\nx += 1\n", " + 1".repeat(20_000)),
    );
    let o = lbos(&["check", &chain]);
    expect_code(&o, BAD_INPUT);
    assert!(stderr(&o).contains("expected a simpler expression"));

    let mut src = String::from("x = 0\n## Thread\n");
    for i in 0..1000 {
        src.push_str(&format!("{}if x == 0:\n", " ".repeat(i)));
    }
    src.push_str(&format!("{}x += 1\n", " ".repeat(1000)));
    let blocks = write_temp("blocks.sync", src);
    for cmd in ["run", "check"] {
        let o = lbos(&[cmd, &blocks]);
        expect_code(&o, BAD_INPUT);
        let e = stderr(&o);
        assert!(e.contains("expected at most 100 nested blocks"), "{e}");
        assert!(e.contains(&format!("{blocks}:104:102")), "{e}");
    }
}

#[test]
fn expressions_at_the_nesting_limit_run_and_check() {
    let n = lbos_lang::MAX_EXPR_DEPTH - 1;
    let f = write_temp(
        "deep.sync",
        format!(
            "x = {}1{}\n## Thread\nx = x + {}1{}\nassert x == 2\n",
            "(".repeat(n),
            ")".repeat(n),
            "-(".repeat((n / 2) & !1),
            ")".repeat((n / 2) & !1)
        ),
    );
    expect_code(&lbos(&["run", &f]), OK);
    expect_code(&lbos(&["check", &f, "--jobs", "2"]), OK);
}

#[test]
fn a_byte_order_mark_is_accepted() {
    let f = write_temp("bom.sync", format!("\u{feff}{SMALL}"));
    let o = lbos(&["run", &f]);
    expect_code(&o, OK);
    expect_code(&lbos(&["check", &f]), OK);
    // Columns are counted without it.
    let f = write_temp("bom-error.sync", "\u{feff}x = y\n## Thread\nx += 1\n");
    let o = lbos(&["check", &f]);
    expect_code(&o, BAD_INPUT);
    assert!(stderr(&o).contains(&format!("{f}:1:5")), "{}", stderr(&o));
    // A trace recorded from a file with a BOM replays without a "changed" warning.
    let f = write_temp(
        "bom-deadlock.sync",
        "\u{feff}s = Semaphore(0)\n## Thread\ns.wait()\n",
    );
    let trace = write_temp("trace.json", "");
    expect_code(&lbos(&["check", &f, "--trace-out", &trace]), VIOLATION);
    let o = lbos(&["run", &f, "--replay", &trace]);
    expect_code(&o, VIOLATION);
    assert!(!stderr(&o).contains("changed"), "{}", stderr(&o));
}

#[test]
fn thread_counts_that_wrap_in_32_bits_are_refused() {
    let f = write_temp(
        "many.sync",
        "x = 0\n## Thread A x4294967295\nx += 1\n## Thread B\nx += 1\n",
    );
    for cmd in ["run", "check"] {
        let o = lbos(&[cmd, &f]);
        expect_code(&o, BAD_INPUT);
        assert!(
            stderr(&o).contains("4294967296 threads requested; at most 64"),
            "{}",
            stderr(&o)
        );
    }
    let f = write_temp(
        "two.sync",
        "x = 0\n## Thread A\nx += 1\n## Thread B\nx += 1\n",
    );
    let o = lbos(&["check", &f, "--threads", "4294967295"]);
    expect_code(&o, BAD_INPUT);
    assert!(stderr(&o).contains("8589934590 threads requested"));
}

#[test]
fn bad_timeouts_are_refused_with_a_clear_message() {
    let f = write_temp("small.sync", SMALL);
    for t in ["-1", "nan", "inf", "1e300", "0", "-0.5", "soon", ""] {
        for args in [
            vec!["check", &f, "--timeout", t],
            vec!["catalog", "check", "barrier", "--timeout", t],
            vec!["mutate", &f, "--timeout", t],
        ] {
            let o = lbos(&args);
            expect_code(&o, BAD_INPUT);
            let e = stderr(&o);
            assert!(e.contains("--timeout"), "{t}: {e}");
            assert!(
                e.contains("e.g. `60`") || e.contains("too long"),
                "{t}: {e}"
            );
        }
    }
    for t in ["0.5", "2", "1m", "31536000"] {
        expect_code(&lbos(&["check", &f, "--timeout", t]), OK);
    }
}

#[test]
fn job_counts_out_of_range_are_refused() {
    let f = write_temp("small.sync", SMALL);
    for j in ["0", "1025", "65535", "-1", "x"] {
        let o = lbos(&["check", &f, "--jobs", j]);
        expect_code(&o, BAD_INPUT);
        assert!(stderr(&o).contains("--jobs") || stderr(&o).contains(j));
    }
    expect_code(&lbos(&["check", &f, "--jobs", "3"]), OK);
}

#[test]
fn memory_sizes_take_the_usual_spellings_and_refuse_nonsense() {
    let f = write_temp("small.sync", SMALL);
    for m in ["16G", "16GB", "16GiB", "512M", "512MiB", "1.5g"] {
        expect_code(&lbos(&["check", &f, "--max-memory", m]), OK);
    }
    for m in ["nan", "-1G", "0", "inf", "16X", "lots"] {
        let o = lbos(&["check", &f, "--max-memory", m]);
        expect_code(&o, BAD_INPUT);
        let e = stderr(&o);
        assert!(e.contains("--max-memory"), "{m}: {e}");
        assert!(e.contains(&format!("`{m}`")), "{m}: {e}");
    }
}

#[test]
fn a_violated_initial_invariant_fails_run_with_and_without_json() {
    let f = write_temp("inv.sync", "x = 5\n## Thread\nx = 0\n## Invariant\nx < 3\n");
    let o = lbos(&["run", &f]);
    expect_code(&o, VIOLATION);
    assert!(stdout(&o).contains("x < 3"), "{}", stdout(&o));
    let o = lbos(&["run", &f, "--json"]);
    expect_code(&o, VIOLATION);
    let last: serde_json::Value = serde_json::from_str(stdout(&o).lines().last().unwrap()).unwrap();
    assert_eq!(last["type"], "end");
    assert_eq!(last["result"], "invariant");
    // No step was taken: the initial state already violates it.
    assert!(!stdout(&o).contains("\"type\":\"step\""), "{}", stdout(&o));
    expect_code(&lbos(&["check", &f]), VIOLATION);
}

#[test]
fn replaying_a_trace_that_names_a_missing_thread_is_bad_input() {
    let f = write_temp(
        "two.sync",
        "x = 0\n## Thread A\nx += 1\n## Thread B\nx += 2\n",
    );
    let source = std::fs::read_to_string(&f).unwrap();
    for thread in [99u64, 2, 4294967295] {
        let trace = write_temp(
            "bad-trace.json",
            serde_json::json!({
                "lbos_trace": 1, "program": "two.sync", "source": source,
                "transitions": [{ "thread": 0, "choices": [] }, { "thread": thread, "choices": [] }],
            })
            .to_string(),
        );
        for json in [false, true] {
            let mut args = vec!["run", &f, "--replay", &trace];
            if json {
                args.push("--json");
            }
            let o = lbos(&args);
            expect_code(&o, BAD_INPUT);
            let e = stderr(&o);
            assert!(e.contains("step 2 cannot be replayed"), "{e}");
            assert!(e.contains(&format!("no thread number {thread}")), "{e}");
            assert!(e.contains("hint:"), "{e}");
        }
    }
    // Choices the step does not make are refused the same way.
    let trace = write_temp(
        "bad-choices.json",
        serde_json::json!({
            "lbos_trace": 1, "program": "two.sync", "source": source,
            "transitions": [{ "thread": 0, "choices": [7, 7] }],
        })
        .to_string(),
    );
    let o = lbos(&["run", &f, "--replay", &trace]);
    expect_code(&o, BAD_INPUT);
    assert!(stderr(&o).contains("step 1 cannot be replayed"));
}

/// A single thread that writes a long list 2,000 times, then fails an assertion: a
/// counterexample of about 6,000 steps, each changing a list shown with 1,000 elements.
const LONG_COUNTEREXAMPLE: &str = "\
xs = [0] * 1000
i = 0
## Thread
while i < 2000:
    xs[i % 1000] = i
    i += 1
assert i < 2000
";

/// A printed step: `  12  A  line 5   ...`.
fn is_step(line: &str) -> bool {
    let t = line.trim_start();
    t.starts_with(|c: char| c.is_ascii_digit()) && t.contains("  A  line ")
}

#[test]
fn a_long_counterexample_is_printed_with_its_middle_left_out() {
    let f = write_temp("long.sync", LONG_COUNTEREXAMPLE);
    let trace = write_temp("long.json", "");
    let o = lbos(&["check", &f, "--trace-out", &trace]);
    expect_code(&o, VIOLATION);
    let out = stdout(&o);
    // Printed whole this is about 30 MB.
    assert!(out.len() < 3 << 20, "{} bytes", out.len());
    assert!(
        out.contains("step(s) not shown (steps 501 to "),
        "{}",
        &out[..2000]
    );
    assert!(out.contains("--trace-out TRACE"));
    assert!(out.contains("assertion failed"));
    assert_eq!(out.lines().filter(|l| is_step(l)).count(), 1000);
    // The last step shown is the failing assertion.
    let n: usize = out
        .lines()
        .find_map(|l| l.strip_prefix("counterexample, "))
        .and_then(|l| l.split(' ').next())
        .unwrap()
        .parse()
        .unwrap();
    assert!(n > 6000, "{n}");
    assert!(
        out.contains(&format!("{n:>4}  A  line 7")),
        "step {n} missing"
    );

    let o = lbos(&["check", &f, "--json"]);
    expect_code(&o, VIOLATION);
    let j: serde_json::Value = serde_json::from_str(stdout(&o).lines().last().unwrap()).unwrap();
    assert_eq!(j["trace"].as_array().unwrap().len(), 1000);
    assert_eq!(j["trace_omitted"]["first"], 501);
    assert_eq!(j["trace_omitted"]["count"], n - 1000);
    assert!(stdout(&o).len() < 4 << 20, "{} bytes", stdout(&o).len());

    // The whole trace is in the file, and a replay steps through every step.
    let o = lbos(&["run", &f, "--replay", &trace, "--steps", "100000"]);
    expect_code(&o, VIOLATION);
    assert_eq!(stdout(&o).lines().filter(|l| is_step(l)).count(), n);
}

#[test]
#[cfg(unix)]
fn a_reader_that_stops_early_ends_lbos_quietly() {
    use std::io::Read;
    use std::os::unix::process::ExitStatusExt;
    use std::process::{Command, Stdio};
    // A run printing some 5 MB (well past a pipe's buffer) into a pipe whose reader takes one
    // byte and leaves, as `| head -c1` does: lbos dies of SIGPIPE like any Unix tool, without
    // a panic message.
    let file = write_temp(
        "loop.sync",
        "x = 0\n## Thread\nwhile True:\n    x = 1 - x\n",
    );
    let mut child = Command::new(env!("CARGO_BIN_EXE_lbos"))
        .args(["run", &file, "--steps", "100000"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = child.stdout.take().unwrap();
    let mut first = [0u8; 1];
    out.read_exact(&mut first).unwrap();
    drop(out);
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    let status = child.wait().unwrap();
    assert!(!err.contains("panicked"), "{err}");
    assert!(
        status.success() || status.signal() == Some(libc_sigpipe()),
        "{status:?}: {err}"
    );
}

/// SIGPIPE's number on the platforms lbos is built for (Linux and the BSDs alike).
#[cfg(unix)]
fn libc_sigpipe() -> i32 {
    13
}
