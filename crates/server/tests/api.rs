//! The HTTP API through the axum router (tower's `oneshot`): replay, undo, extension, choices,
//! compile errors, limits, checks with cancel and bounded concurrency, and the embedded page.

use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use lbos_server::{Settings, app};
use serde_json::{Value, json};
use tower::ServiceExt;

fn catalog_source(entry: &str, file: &str) -> String {
    lbos_catalog::find(entry)
        .and_then(|e| e.program(file))
        .unwrap_or_else(|| panic!("no catalog program {entry}/{file}"))
        .source
        .clone()
}

async fn send(settings: &Settings, req: Request<Body>) -> (StatusCode, Value, String) {
    let res = app(settings.clone()).oneshot(req).await.expect("response");
    let status = res.status();
    let ctype = res
        .headers()
        .get(header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap_or("").to_string())
        .unwrap_or_default();
    let bytes = res.into_body().collect().await.expect("body").to_bytes();
    let value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    (status, value, ctype)
}

async fn post(settings: &Settings, uri: &str, body: Value) -> (StatusCode, Value) {
    let req = Request::post(uri)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .unwrap();
    let (s, v, _) = send(settings, req).await;
    (s, v)
}

async fn get(settings: &Settings, uri: &str) -> (StatusCode, Value, String) {
    send(settings, Request::get(uri).body(Body::empty()).unwrap()).await
}

fn thread_lines(view: &Value) -> Vec<(String, String, Option<u64>)> {
    view["state"]["threads"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["name"].as_str().unwrap().to_string(),
                t["status"].as_str().unwrap().to_string(),
                t["line"].as_u64(),
            )
        })
        .collect()
}

const RENDEZVOUS: (&str, &str) = ("rendezvous", "rendezvous-deadlock");

#[tokio::test(flavor = "multi_thread")]
async fn replays_moves_and_shows_the_state_after_them() {
    let s = Settings::default();
    let src = catalog_source(RENDEZVOUS.0, RENDEZVOUS.1);
    let (st, v) = post(&s, "/api/view", json!({ "source": src, "moves": [] })).await;
    assert_eq!(st, StatusCode::OK, "{v}");
    let start = thread_lines(&v);
    assert_eq!(start[0].0, "A");
    assert_eq!(v["status"]["kind"], "running");
    assert_eq!(v["runnable"], json!([0, 1]));
    // A runs a1() and a1done = True; B runs b1().
    let moves = json!([{ "t": 0 }, { "t": 0 }, { "t": 1 }]);
    let (_, v) = post(&s, "/api/view", json!({ "source": src, "moves": moves })).await;
    assert_eq!(v["at"], 3);
    assert_eq!(v["steps"].as_array().unwrap().len(), 3);
    let lines = thread_lines(&v);
    assert_eq!(lines[0].2.unwrap(), start[0].2.unwrap() + 2);
    assert_eq!(lines[1].2.unwrap(), start[1].2.unwrap() + 1);
    let a1done = v["state"]["globals"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["name"] == "a1done")
        .unwrap();
    assert_eq!(a1done["value"], "True");
    assert_eq!(v["steps"][1]["changes"][0]["what"], "a1done");
    // Undo is the same schedule shown one move earlier: the state after two moves.
    let (_, undo) = post(
        &s,
        "/api/view",
        json!({ "source": src, "moves": moves, "at": 2 }),
    )
    .await;
    let (_, two) = post(
        &s,
        "/api/view",
        json!({ "source": src, "moves": [{ "t": 0 }, { "t": 0 }] }),
    )
    .await;
    assert_eq!(undo["state"], two["state"]);
    assert_eq!(undo["at"], 2);
    assert_eq!(undo["moves"], moves, "the undone move stays for redo");
}

#[tokio::test(flavor = "multi_thread")]
async fn deadlock_is_reported_with_the_blocked_threads() {
    let s = Settings::default();
    let src = catalog_source(RENDEZVOUS.0, RENDEZVOUS.1);
    let moves = json!([{ "t": 0 }, { "t": 0 }, { "t": 0 }, { "t": 1 }, { "t": 1 }, { "t": 1 }]);
    let (_, v) = post(&s, "/api/view", json!({ "source": src, "moves": moves })).await;
    assert_eq!(v["status"]["kind"], "deadlock", "{}", v["status"]);
    assert_eq!(v["status"]["threads"], json!([0, 1]));
    assert_eq!(v["runnable"], json!([]));
    let queues: Vec<Value> = v["state"]["objects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| json!([o["name"], o["value"], o["queue"]]))
        .collect();
    assert_eq!(
        queues,
        vec![json!(["aArrived", -1, [1]]), json!(["bArrived", -1, [0]])]
    );
    let last = &v["steps"][5];
    assert_eq!(last["after"], "blocked");
    assert_eq!(last["arrows"][0]["kind"], "blocked");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_move_that_cannot_be_made_is_dropped_with_a_warning() {
    let s = Settings::default();
    let src = catalog_source(RENDEZVOUS.0, RENDEZVOUS.1);
    // A blocks on bArrived after three steps; a fourth step of A is impossible.
    let moves = json!([{ "t": 0 }, { "t": 0 }, { "t": 0 }, { "t": 0 }, { "t": 1 }]);
    let (st, v) = post(&s, "/api/view", json!({ "source": src, "moves": moves })).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(v["moves"].as_array().unwrap().len(), 3);
    assert!(
        v["warning"].as_str().unwrap().contains("move 4"),
        "{}",
        v["warning"]
    );
    let (_, v) = post(
        &s,
        "/api/view",
        json!({ "source": src, "moves": [{ "t": 7 }] }),
    )
    .await;
    assert_eq!(v["moves"], json!([]));
}

#[tokio::test(flavor = "multi_thread")]
async fn an_assertion_fault_stops_the_schedule_and_names_the_thread() {
    let s = Settings::default();
    let src = "x = 0\n\n## Thread\nx += 1\nassert x == 2, \"x is one\"\nx = 5\n";
    let moves = json!([{ "t": 0 }, { "t": 0 }, { "t": 0 }]);
    let (_, v) = post(&s, "/api/view", json!({ "source": src, "moves": moves })).await;
    assert_eq!(v["status"]["kind"], "assertion");
    assert_eq!(v["status"]["line"], 5);
    assert_eq!(v["status"]["threads"], json!([0]));
    assert_eq!(
        v["moves"].as_array().unwrap().len(),
        2,
        "the move after the fault is dropped"
    );
    assert_eq!(v["steps"][1]["fault"]["message"], "x is one");
    // An invariant broken by B's step involves B.
    let src = "inside = 0\n\n## Thread x2\ninside += 1\ninside -= 1\n\n## Invariant\ninside <= 1\n";
    let moves = json!([{ "t": 0 }, { "t": 1 }]);
    let (_, v) = post(&s, "/api/view", json!({ "source": src, "moves": moves })).await;
    assert_eq!(v["status"]["kind"], "invariant");
    assert_eq!(v["status"]["line"], 8);
    assert_eq!(v["status"]["threads"], json!([1]));
    // Moving back before the fault makes the program live again.
    let (_, v) = post(
        &s,
        "/api/view",
        json!({ "source": src, "moves": moves, "at": 1 }),
    )
    .await;
    assert_eq!(v["status"]["kind"], "running");
}

#[tokio::test(flavor = "multi_thread")]
async fn compile_errors_come_back_with_their_line() {
    let s = Settings::default();
    let src = "mutex = Semaphore(1)\n\n## Thread\nmutex.wait()\ncount = (\nmutex.signal()\n";
    let (st, v) = post(&s, "/api/view", json!({ "source": src })).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(v["ok"], false);
    assert_eq!(v["error"], "compile");
    assert_eq!(v["diagnostics"][0]["line"], 5, "{v}");
    // A bad thread setting is a setup error, not a crash.
    let (st, v) = post(
        &s,
        "/api/view",
        json!({ "source": "## Thread\nx = 1\n", "threads": ["nope=2"] }),
    )
    .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(v["error"], "setup");
    // Malformed JSON is rejected, not a panic.
    let req = Request::post("/api/view")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from("{\"source\": 3"))
        .unwrap();
    let (st, _, _) = send(&s, req).await;
    assert!(st.is_client_error());
}

#[tokio::test(flavor = "multi_thread")]
async fn extending_by_a_round_steps_each_runnable_thread_once() {
    let s = Settings::default();
    let src = catalog_source(RENDEZVOUS.0, RENDEZVOUS.1);
    let body =
        json!({ "source": src, "moves": [{ "t": 1 }], "extend": { "kind": "round", "seed": 1 } });
    let (_, v) = post(&s, "/api/view", body).await;
    assert_eq!(v["moves"], json!([{ "t": 1 }, { "t": 0 }, { "t": 1 }]));
    assert_eq!(v["at"], 3);
    // A round after moving back replaces the rest of the schedule.
    let body = json!({ "source": src, "moves": [{ "t": 1 }, { "t": 1 }], "at": 0, "extend": { "kind": "round" } });
    let (_, v) = post(&s, "/api/view", body).await;
    assert_eq!(v["moves"], json!([{ "t": 0 }, { "t": 1 }]));
    // Random steps are reproducible by seed and stop at a deadlock.
    let body = json!({ "source": src, "extend": { "kind": "random", "seed": 7, "count": 50 } });
    let (_, a) = post(&s, "/api/view", body.clone()).await;
    let (_, b) = post(&s, "/api/view", body).await;
    assert_eq!(a["moves"], b["moves"]);
    assert_eq!(a["status"]["kind"], "deadlock");
    assert_eq!(a["moves"].as_array().unwrap().len(), 6);
}

const WAKE: &str =
    "s = Semaphore(0)\n\n## Thread waiter x2\ns.wait()\n\n## Thread signaller\ns.signal()\n";

#[tokio::test(flavor = "multi_thread")]
async fn a_signal_with_several_waiters_offers_each_one() {
    let s = Settings::default();
    let moves = json!([{ "t": 0 }, { "t": 1 }]);
    let (_, v) = post(&s, "/api/view", json!({ "source": WAKE, "moves": moves })).await;
    assert_eq!(v["state"]["threads"][2]["arities"], json!([2]));
    let (st, alt) = post(
        &s,
        "/api/alternatives",
        json!({ "source": WAKE, "moves": moves, "thread": 2 }),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{alt}");
    assert_eq!(alt["alternatives"][0]["woke"], json!(["A"]));
    assert_eq!(alt["alternatives"][1]["woke"], json!(["B"]));
    // Picking the second wakes B; A stays in the queue.
    let moves = json!([{ "t": 0 }, { "t": 1 }, { "t": 2, "c": [1] }]);
    let (_, v) = post(&s, "/api/view", json!({ "source": WAKE, "moves": moves })).await;
    assert_eq!(v["state"]["objects"][0]["queue"], json!([0]));
    assert_eq!(v["state"]["threads"][1]["status"], "done");
    // FIFO semaphores make no choice.
    let (_, v) = post(
        &s,
        "/api/view",
        json!({ "source": WAKE, "semaphores": "fifo", "moves": [{ "t": 0 }, { "t": 1 }] }),
    )
    .await;
    assert_eq!(v["state"]["threads"][2]["arities"], json!([]));
    // Create thread: a spawned signaller in column 1 is thread D.
    let moves = json!([{ "spawn": 1 }, { "t": 0 }, { "t": 3 }]);
    let (_, v) = post(&s, "/api/view", json!({ "source": WAKE, "moves": moves })).await;
    assert_eq!(v["state"]["threads"][3]["name"], "D");
    assert_eq!(v["steps"][0]["kind"], "spawn");
    assert_ne!(v["state"]["threads"][0]["status"], "blocked", "D woke A");
    assert_eq!(v["state"]["objects"][0]["queue"], json!([]));
}

#[tokio::test(flavor = "multi_thread")]
async fn request_limits_are_enforced() {
    let s = Settings {
        max_moves: 3,
        max_body_bytes: 4096,
        ..Settings::default()
    };
    let moves: Vec<Value> = (0..4).map(|_| json!({ "t": 0 })).collect();
    let (st, _) = post(&s, "/api/view", json!({ "source": WAKE, "moves": moves })).await;
    assert_eq!(st, StatusCode::PAYLOAD_TOO_LARGE);
    let big = "# padding\n".repeat(1000) + WAKE;
    let (st, _) = post(&s, "/api/view", json!({ "source": big })).await;
    assert_eq!(st, StatusCode::PAYLOAD_TOO_LARGE);
    // Extension stops at the move limit.
    let src = "## Thread\nwhile True:\n    noop()\n";
    let (_, v) = post(
        &s,
        "/api/view",
        json!({ "source": src, "extend": { "kind": "random", "count": 100 } }),
    )
    .await;
    assert_eq!(v["moves"].as_array().unwrap().len(), 3);
}

async fn wait_check(s: &Settings, app_: &axum::Router, id: u64) -> Value {
    for _ in 0..600 {
        let req = Request::get(format!("/api/check/{id}"))
            .body(Body::empty())
            .unwrap();
        let res = app_.clone().oneshot(req).await.unwrap();
        let bytes = res.into_body().collect().await.unwrap().to_bytes();
        let v: Value = serde_json::from_slice(&bytes).unwrap();
        if v["job"]["phase"] == "done" {
            return v["job"].clone();
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let _ = s;
    panic!("check {id} did not finish");
}

async fn post_to(app_: &axum::Router, uri: &str, body: Value) -> (StatusCode, Value) {
    let req = Request::post(uri)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .unwrap();
    let res = app_.clone().oneshot(req).await.unwrap();
    let st = res.status();
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    (st, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_check_finds_the_deadlock_and_its_trace_replays_to_it() {
    let s = Settings::default();
    let app_ = app(s.clone());
    let src = catalog_source("barrier", "barrier-deadlock");
    let (st, v) = post_to(
        &app_,
        "/api/check",
        json!({ "source": src, "max_states": u64::MAX }),
    )
    .await;
    assert_eq!(st, StatusCode::ACCEPTED);
    let job = wait_check(&s, &app_, v["id"].as_u64().unwrap()).await;
    assert_eq!(
        job["limits"]["max_states"], s.check_states,
        "requests cannot raise server limits"
    );
    let report = &job["report"];
    assert_eq!(report["verdict"], "deadlock");
    assert!(report["stats"]["states"].as_u64().unwrap() > 10);
    // The verdict comes with what it covers.
    assert_eq!(
        job["checked"],
        json!({
            "columns": [{ "label": "Thread 1", "threads": 3 }],
            "semaphores": "weak", "dfs": false, "liveness": false,
            "symmetry": true, "por": true, "kind": "check",
        })
    );
    let trace = report["path"].clone();
    let (_, v) = post_to(&app_, "/api/view", json!({ "source": src, "moves": trace })).await;
    assert_eq!(v["status"]["kind"], "deadlock");
    assert_eq!(v["moves"], trace);
    // One step before the end the program is not yet deadlocked.
    let n = trace.as_array().unwrap().len();
    let (_, v) = post_to(
        &app_,
        "/api/view",
        json!({ "source": src, "moves": trace, "at": n - 1 }),
    )
    .await;
    assert_eq!(v["status"]["kind"], "running");
    // A compile error is reported, not queued.
    let (st, v) = post_to(
        &app_,
        "/api/check",
        json!({ "source": "## Thread\nx = (\n" }),
    )
    .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(v["diagnostics"][0]["line"], 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_liveness_check_finds_the_starving_thread_and_its_lasso_replays() {
    let s = Settings::default();
    let app_ = app(s.clone());
    let src = catalog_source("no-starve-mutex", "mutex-loop");
    let (st, v) = post_to(
        &app_,
        "/api/check",
        json!({ "source": src, "liveness": true }),
    )
    .await;
    assert_eq!(st, StatusCode::ACCEPTED);
    let job = wait_check(&s, &app_, v["id"].as_u64().unwrap()).await;
    let report = &job["report"];
    assert_eq!(report["verdict"], "starvation");
    assert_eq!(report["starvation"]["thread"]["thread"], "A");
    assert_eq!(report["starvation"]["thread"]["blocked_on"], "mutex");
    let trace = report["path"].clone();
    let n = trace.as_array().unwrap().len();
    let start = report["starvation"]["cycle_start"].as_u64().unwrap() as usize;
    assert!(start < n);
    // The cycle leads back to the state where it starts, so the page can play it again.
    let (_, a) = post_to(
        &app_,
        "/api/view",
        json!({ "source": src, "moves": trace, "at": start }),
    )
    .await;
    let (_, b) = post_to(&app_, "/api/view", json!({ "source": src, "moves": trace })).await;
    assert_eq!(a["state"], b["state"]);
    assert_eq!(b["status"]["kind"], "running");
    // With strong semaphores nobody starves.
    let (_, v) = post_to(
        &app_,
        "/api/check",
        json!({ "source": src, "liveness": true, "semaphores": "strong" }),
    )
    .await;
    let job = wait_check(&s, &app_, v["id"].as_u64().unwrap()).await;
    assert_eq!(job["report"]["verdict"], "ok");
    assert!(job["report"]["starvation"].is_null());
    // The starvation search is breadth-first only.
    let (st, _) = post_to(
        &app_,
        "/api/check",
        json!({ "source": src, "liveness": true, "dfs": true }),
    )
    .await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
}

const HUGE: &str = "## Thread x3\nself.i = 0\nwhile True:\n    self.i = (self.i + 1) % 1000000\n";

#[tokio::test(flavor = "multi_thread")]
async fn checks_can_be_cancelled_and_are_bounded() {
    let s = Settings {
        max_checks: 1,
        max_queued_checks: 2,
        ..Settings::default()
    };
    let app_ = app(s.clone());
    let (_, a) = post_to(&app_, "/api/check", json!({ "source": HUGE })).await;
    let (_, b) = post_to(&app_, "/api/check", json!({ "source": HUGE })).await;
    let (st, c) = post_to(&app_, "/api/check", json!({ "source": HUGE })).await;
    assert_eq!(st, StatusCode::TOO_MANY_REQUESTS, "{c}");
    let (a, b) = (a["id"].as_u64().unwrap(), b["id"].as_u64().unwrap());
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(get(&s, "/api/check/999").await.0, StatusCode::NOT_FOUND);
    let req = Request::get(format!("/api/check/{b}"))
        .body(Body::empty())
        .unwrap();
    let res = app_.clone().oneshot(req).await.unwrap();
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    let vb: Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(vb["job"]["phase"], "queued", "only one check runs at once");
    for id in [a, b] {
        let (st, _) = post_to(&app_, &format!("/api/check/{id}/cancel"), json!({})).await;
        assert_eq!(st, StatusCode::OK);
    }
    for id in [a, b] {
        let job = wait_check(&s, &app_, id).await;
        assert_eq!(job["report"]["verdict"], "incomplete");
        assert_eq!(job["report"]["cancelled"], true);
    }
    // With the slots free again, a check runs, and its time limit ends it cleanly.
    let (st, v) = post_to(
        &app_,
        "/api/check",
        json!({ "source": HUGE, "timeout_secs": 0.3 }),
    )
    .await;
    assert_eq!(st, StatusCode::ACCEPTED);
    let job = wait_check(&s, &app_, v["id"].as_u64().unwrap()).await;
    assert_eq!(job["report"]["verdict"], "incomplete");
    assert_eq!(job["report"]["cancelled"], false);
}

#[tokio::test(flavor = "multi_thread")]
async fn serves_the_page_and_the_catalog_and_no_other_files() {
    let s = Settings {
        files: vec!["/nonexistent/prog.sync".into()],
        ..Settings::default()
    };
    let (st, _, ctype) = get(&s, "/").await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(ctype, "text/html; charset=utf-8");
    let (st, _, ctype) = get(&s, "/app/main.js").await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(ctype, "text/javascript; charset=utf-8");
    let (_, _, ctype) = get(&s, "/app/style.css").await;
    assert_eq!(ctype, "text/css; charset=utf-8");
    assert_eq!(
        get(&s, "/app/..%2FCargo.toml").await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(get(&s, "/app/lib.rs").await.0, StatusCode::NOT_FOUND);
    let (st, cat, _) = get(&s, "/api/catalog").await;
    assert_eq!(st, StatusCode::OK);
    let chapters: Vec<u64> = cat["chapters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["chapter"].as_u64().unwrap())
        .collect();
    assert!(
        chapters.contains(&3) && chapters.windows(2).all(|w| w[0] < w[1]),
        "{chapters:?}"
    );
    assert_eq!(cat["files"][0]["name"], "/nonexistent/prog.sync");
    let (st, src, _) = get(&s, "/api/source?catalog=rendezvous/rendezvous-deadlock").await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(src["source"], catalog_source(RENDEZVOUS.0, RENDEZVOUS.1));
    assert_eq!(
        get(&s, "/api/source?catalog=../../etc/passwd").await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(get(&s, "/api/source?file=1").await.0, StatusCode::NOT_FOUND);
    assert_eq!(
        get(&s, "/api/source?file=0").await.0,
        StatusCode::INTERNAL_SERVER_ERROR
    );
}

/// Exercise mode: the catalog names each program neutrally too, and `exercise=1` answers with
/// the neutral id, file name, title and leading comment, and no expected verdict or note; a
/// neutral id opens the program as the catalog has it without it. The neutral text checks as
/// the original does.
#[tokio::test(flavor = "multi_thread")]
async fn exercise_mode_names_programs_neutrally_and_they_check_the_same() {
    let s = Settings::default();
    let app_ = app(s.clone());
    let (_, cat, _) = get(&s, "/api/catalog").await;
    let barrier = cat["chapters"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| c["entries"].as_array().unwrap())
        .find(|e| e["name"] == "barrier")
        .unwrap();
    let p = &barrier["programs"][1];
    assert_eq!(p["id"], "barrier/barrier-deadlock");
    assert_eq!(p["exercise_id"], "section-3.6-listing-c");
    assert_eq!(p["exercise_title"], "Section 3.6, listing c");

    // Exercise mode's list: the neutral names and nothing a student could read the answer in.
    let (_, neutral, _) = get(&s, "/api/catalog?exercise=1").await;
    let text = neutral.to_string();
    for spoiler in [
        "barrier-deadlock",
        "Deadlock #2",
        "\"expect\"",
        "\"note\"",
        "\"kind\"",
    ] {
        assert!(!text.contains(spoiler), "{spoiler} in {text}");
    }
    let programs: Vec<&serde_json::Value> = neutral["chapters"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| c["entries"].as_array().unwrap())
        .flat_map(|e| e["programs"].as_array().unwrap())
        .collect();
    assert!(
        programs.len() > 90,
        "every program is listed: {}",
        programs.len()
    );
    assert!(programs.contains(&&json!({
        "exercise_id": "section-3.6-listing-c", "exercise_title": "Section 3.6, listing c"
    })));

    // Survivor explanations name the solution's flaws: exercise mode gets the mutants only.
    let (_, mutex, _) = get(&s, "/api/source?catalog=mutex/mutex").await;
    let (_, mutex_ex, _) = get(&s, "/api/source?catalog=mutex/mutex&exercise=1").await;
    let explained = mutex["survivors"].as_object().unwrap();
    assert!(!explained.is_empty() && explained.values().all(|w| w != ""));
    let hidden = mutex_ex["survivors"].as_object().unwrap();
    assert_eq!(
        hidden.keys().collect::<Vec<_>>(),
        explained.keys().collect::<Vec<_>>()
    );
    assert!(hidden.values().all(|w| w == ""), "{mutex_ex}");
    assert!(mutex_ex.get("undecided").is_none());

    let original = catalog_source("barrier", "barrier-deadlock");
    for id in ["barrier/barrier-deadlock", "section-3.6-listing-c"] {
        let (st, src, _) = get(&s, &format!("/api/source?catalog={id}&exercise=1")).await;
        assert_eq!(st, StatusCode::OK);
        assert_eq!(src["id"], "section-3.6-listing-c");
        assert_eq!(src["name"], "section-3.6-listing-c.sync");
        assert_eq!(src["title"], "Section 3.6, listing c");
        assert!(
            src.get("expect").is_none() && src.get("note").is_none(),
            "{src}"
        );
        let text = src["source"].as_str().unwrap();
        assert!(text.starts_with("# Section 3.6, listing c\n"), "{text}");
        assert!(!text.contains("Deadlock") && !text.contains("non-solution"));
        assert_eq!(text.lines().count(), original.lines().count());
        assert_eq!(src["threads"], json!([]));

        let (_, real, _) = get(&s, &format!("/api/source?catalog={id}")).await;
        assert_eq!(real["id"], "barrier/barrier-deadlock");
        assert_eq!(real["title"], "Deadlock #2: a single signal");
        assert_eq!(real["source"], original.as_str());
        assert_eq!(real["expect"], "deadlock");
    }
    assert_eq!(
        get(&s, "/api/source?catalog=section-3.6-listing-z&exercise=1")
            .await
            .0,
        StatusCode::NOT_FOUND
    );

    let (_, src, _) = get(&s, "/api/source?catalog=section-3.6-listing-c&exercise=1").await;
    let (st, v) = post_to(&app_, "/api/check", json!({ "source": src["source"] })).await;
    assert_eq!(st, StatusCode::ACCEPTED);
    let job = wait_check(&s, &app_, v["id"].as_u64().unwrap()).await;
    assert_eq!(job["report"]["verdict"], "deadlock");
}

#[tokio::test(flavor = "multi_thread")]
async fn only_loopback_host_names_are_served_unless_exposed() {
    let with_host = |h: &str| {
        Request::get("/api/catalog")
            .header(header::HOST, h)
            .body(Body::empty())
            .unwrap()
    };
    let s = Settings::default();
    for ok in [
        "127.0.0.1:8321",
        "localhost:8321",
        "[::1]:8321",
        "localhost",
    ] {
        assert_eq!(send(&s, with_host(ok)).await.0, StatusCode::OK, "{ok}");
    }
    assert_eq!(
        send(&s, with_host("evil.example:8321")).await.0,
        StatusCode::FORBIDDEN
    );
    let exposed = Settings {
        any_host: true,
        ..Settings::default()
    };
    assert_eq!(
        send(&exposed, with_host("lab-machine:8321")).await.0,
        StatusCode::OK
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_mutation_analysis_finds_the_survivors_the_catalog_explains() {
    let s = Settings::default();
    let app_ = app(s.clone());
    let entry = lbos_catalog::find("barrier")
        .unwrap()
        .program("barrier")
        .unwrap();
    let (st, v) = post_to(
        &app_,
        "/api/mutants",
        json!({ "source": entry.source, "threads": entry.threads }),
    )
    .await;
    assert_eq!(st, StatusCode::ACCEPTED, "{v}");
    let job = wait_check(&s, &app_, v["id"].as_u64().unwrap()).await;
    assert_eq!(job["checked"]["kind"], "mutants");
    let m = &job["mutants"];
    let survivors: Vec<&str> = m["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["fate"] == "survived")
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    let known: Vec<&str> = entry.survivors.keys().map(String::as_str).collect();
    assert_eq!(survivors, known);
    assert_eq!(m["survived"], 2);
    assert_eq!(m["unknown"], 0);
    assert_eq!(m["total"], m["results"].as_array().unwrap().len());
    assert_eq!(
        m["killed"].as_u64().unwrap() + 2,
        m["total"].as_u64().unwrap()
    );
    assert_eq!(m["cancelled"], false);
    // A compile error is reported, not queued.
    let (st, _) = post_to(
        &app_,
        "/api/mutants",
        json!({ "source": "## Thread\nx = (\n" }),
    )
    .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_mutation_analysis_is_cancelled_and_bounded_in_time() {
    let s = Settings::default();
    let app_ = app(s.clone());
    // Every mutant of this loop runs until a limit: cancel stops the whole analysis.
    let src = "mutex = Semaphore(1)\n\n## Thread x3\nself.i = 0\nwhile True:\n    mutex.wait()\n    self.i = (self.i + 1) % 1000000\n    mutex.signal()\n";
    let (st, v) = post_to(&app_, "/api/mutants", json!({ "source": src })).await;
    assert_eq!(st, StatusCode::ACCEPTED, "{v}");
    let id = v["id"].as_u64().unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (st, _) = post_to(&app_, &format!("/api/check/{id}/cancel"), json!({})).await;
    assert_eq!(st, StatusCode::OK);
    let job = wait_check(&s, &app_, id).await;
    assert_eq!(job["mutants"]["cancelled"], true);
    assert!(job["elapsed"].as_f64().unwrap() < 10.0);
    // The time limit ends it too, with the mutants not reached left out.
    let (_, v) = post_to(
        &app_,
        "/api/mutants",
        json!({ "source": src, "timeout_secs": 0.5 }),
    )
    .await;
    let job = wait_check(&s, &app_, v["id"].as_u64().unwrap()).await;
    let m = &job["mutants"];
    assert_eq!(m["cancelled"], false);
    assert!(
        m["results"].as_array().unwrap().len() < m["total"].as_u64().unwrap() as usize
            || m["unknown"].as_u64().unwrap() > 0
    );
    assert_eq!(m["survived"], 0, "nothing is decided to survive by a limit");
}

#[tokio::test(flavor = "multi_thread")]
async fn assets_are_gzipped_tagged_and_revalidated() {
    let s = Settings::default();
    let res = app(s.clone())
        .oneshot(
            Request::get("/app/board.js")
                .header(header::ACCEPT_ENCODING, "gzip, deflate, br")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()[header::CONTENT_ENCODING], "gzip");
    assert_eq!(res.headers()[header::VARY], "Accept-Encoding");
    let etag = res.headers()[header::ETAG].clone();
    let gz = res.into_body().collect().await.unwrap().to_bytes();
    let plain = app(s.clone())
        .oneshot(Request::get("/app/board.js").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert!(plain.headers().get(header::CONTENT_ENCODING).is_none());
    assert_eq!(
        plain.headers()[header::ETAG],
        etag,
        "one tag for both forms"
    );
    let plain = plain.into_body().collect().await.unwrap().to_bytes();
    assert!(
        gz.len() * 2 < plain.len(),
        "{} vs {}",
        gz.len(),
        plain.len()
    );
    let res = app(s.clone())
        .oneshot(
            Request::get("/app/board.js")
                .header(header::IF_NONE_MATCH, etag)
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_MODIFIED);
    assert!(
        res.into_body()
            .collect()
            .await
            .unwrap()
            .to_bytes()
            .is_empty()
    );
    let (st, _, ctype) = get(&s, "/favicon.ico").await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(ctype, "image/svg+xml");
}
