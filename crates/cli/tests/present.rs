//! One presentation layer: the terminal (`lbos check --json`, `lbos run --json`) and the browser
//! (`lbos serve`'s API) explain the same counterexample, and make the same random and
//! round-robin runs from the same seed, word for word. Each test fails if a front end starts
//! telling its own story again.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Output, Stdio};

use serde_json::{Value, json};

mod common;

use common::{lbos, temp_dir};

fn json_lines(o: &Output) -> Vec<Value> {
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

fn catalog_file(dir: &std::path::Path, entry: &str, file: &str) -> (String, String) {
    let source = lbos_catalog::find(entry)
        .and_then(|e| e.program(file))
        .unwrap_or_else(|| panic!("no catalog program {entry}/{file}"))
        .source
        .clone();
    let path = dir.join(format!("{file}.sync"));
    std::fs::write(&path, &source).unwrap();
    (path.display().to_string(), source)
}

/// `lbos serve --port 0`, stopped when dropped.
struct Server {
    child: Child,
    port: u16,
}

impl Server {
    fn start() -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_lbos"))
            .args(["serve", "--port", "0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("lbos serve starts");
        let mut first = String::new();
        BufReader::new(child.stdout.as_mut().unwrap())
            .read_line(&mut first)
            .unwrap();
        let port = first
            .trim()
            .rsplit(':')
            .next()
            .and_then(|p| p.trim_end_matches('/').parse().ok())
            .unwrap_or_else(|| panic!("no port in {first:?}"));
        Server { child, port }
    }

    /// POSTs `body` and returns the answer's JSON.
    fn post(&self, path: &str, body: &str) -> Value {
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        write!(
            s,
            "POST {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        let mut answer = String::new();
        s.read_to_string(&mut answer).unwrap();
        let (_, body) = answer.split_once("\r\n\r\n").expect("an HTTP answer");
        serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {answer}"))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn the_terminal_and_the_browser_explain_a_counterexample_alike() {
    let dir = temp_dir("explain");
    let server = Server::start();
    for (entry, file, extra) in [
        ("rendezvous", "rendezvous-deadlock", None),
        ("concurrent-updates", "updates-split", None),
        ("no-starve-mutex", "mutex-loop", Some("--liveness")),
    ] {
        let (path, source) = catalog_file(&dir, entry, file);
        let trace = dir.join(format!("{file}.trace.json")).display().to_string();
        let mut args = vec!["check", &path, "--json", "--trace-out", &trace];
        args.extend(extra);
        let checked = json_lines(&lbos(&args)).pop().expect("a JSON line");
        let explained = checked["trace"].as_array().unwrap().clone();
        let moves = checked["path"].clone();
        assert_eq!(explained.len(), moves.as_array().unwrap().len(), "{file}");
        assert!(!explained.is_empty(), "{file}");
        // Each explained step carries its move: the path and the explanation agree.
        let from_steps: Vec<Value> = explained.iter().map(|s| s["move"].clone()).collect();
        assert_eq!(Value::from(from_steps), moves, "{file}");

        // The browser's view of the path explains every step as the terminal does.
        let view = server.post(
            "/api/view",
            &json!({ "source": source, "moves": moves }).to_string(),
        );
        assert_eq!(view["steps"].as_array().unwrap(), &explained, "{file}");

        // The trace file opened in the browser is the check's own result again.
        let opened = server.post("/api/trace", &std::fs::read_to_string(&trace).unwrap());
        let report = &opened["report"];
        for field in [
            "verdict",
            "verdict_text",
            "checked",
            "fault",
            "path",
            "trace",
            "final_state",
            "starvation",
        ] {
            assert_eq!(report[field], checked[field], "{file}: {field}");
        }

        // `lbos run --replay` steps through the same explanation.
        let replayed = json_lines(&lbos(&["run", &path, "--replay", &trace, "--json"]));
        let steps: Vec<Value> = replayed
            .into_iter()
            .filter(|l| l["type"] == "step")
            .map(|mut l| {
                l.as_object_mut().unwrap().remove("type");
                l
            })
            .take(explained.len())
            .collect();
        assert_eq!(steps, explained, "{file}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_seed_gives_the_same_run_in_the_terminal_and_the_browser() {
    let dir = temp_dir("seed");
    let server = Server::start();
    // Weak semaphores with several waiters: the draws pick threads and which waiter wakes.
    let (path, source) = catalog_file(&dir, "multiplex", "multiplex");
    let moves_of = |o: &Output| -> Vec<Value> {
        json_lines(o)
            .into_iter()
            .filter(|l| l["type"] == "step")
            .map(|l| l["move"].clone())
            .collect()
    };
    for seed in [1u64, 7, 12345] {
        let s = seed.to_string();
        let run = lbos(&[
            "run",
            &path,
            "--schedule",
            "random",
            "--seed",
            &s,
            "--steps",
            "40",
            "--json",
        ]);
        let terminal = moves_of(&run);
        assert!(terminal.len() > 10, "{terminal:?}");
        let view = server.post(
            "/api/view",
            &json!({ "source": source, "extend": { "kind": "random", "seed": seed, "count": 40 } })
                .to_string(),
        );
        assert_eq!(view["moves"].as_array().unwrap(), &terminal, "seed {seed}");
    }
    // A round: each thread once, in order, as `lbos run`'s round-robin starts.
    let run = lbos(&["run", &path, "--seed", "3", "--json"]);
    let view = server.post(
        "/api/view",
        &json!({ "source": source, "extend": { "kind": "round", "seed": 3 } }).to_string(),
    );
    let round = view["moves"].as_array().unwrap();
    let threads = view["state"]["threads"].as_array().unwrap().len();
    assert_eq!(round.len(), threads, "{round:?}");
    assert_eq!(&moves_of(&run)[..round.len()], &round[..]);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_trace_file_with_created_threads_replays_in_the_terminal() {
    // The path type has both kinds of move: the browser's schedules create threads, and
    // `lbos run --replay` plays them from a trace file as the server does.
    let dir = temp_dir("spawn");
    let program = dir.join("wake.sync");
    let source = "s = Semaphore(0)\n## Thread W\ns.wait()\n## Thread S\ns.signal()\n";
    std::fs::write(&program, source).unwrap();
    let path = lbos_vm::present::parse_path_text("s0_2_1").unwrap();
    let trace = dir.join("wake.trace.json");
    let file = json!({ "lbos_trace": 2, "program": "wake.sync", "source": source, "path": path });
    std::fs::write(&trace, file.to_string()).unwrap();
    let program = program.display().to_string();
    let o = lbos(&[
        "run",
        &program,
        "--replay",
        trace.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let lines = json_lines(&o);
    let steps: Vec<&Value> = lines.iter().filter(|l| l["type"] == "step").collect();
    assert_eq!(steps.len(), 3);
    assert_eq!(steps[0]["kind"], "spawn");
    assert_eq!(steps[0]["move"], json!({ "spawn": 0 }));
    assert_eq!(steps[0]["thread"], 2);
    // The created thread waits, and S's signal wakes it.
    assert_eq!(steps[1]["events"], json!(["C blocks on s"]));
    assert_eq!(steps[2]["events"], json!(["s wakes C"]));
    let end = lines.last().unwrap();
    assert_eq!(end["result"], "schedule", "{end}");
    assert_eq!(end["message"], "the replayed trace ends after 3 steps");
    let moves: Vec<Value> = steps.iter().map(|s| s["move"].clone()).collect();
    assert_eq!(Value::from(moves), serde_json::to_value(&path).unwrap());
    let _ = std::fs::remove_dir_all(&dir);
}
