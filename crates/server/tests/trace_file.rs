//! `POST /api/trace`: a trace file opened in the browser gives the program and the same result
//! as the server's own check of it; files that are not traces, or do not fit their program,
//! are refused with a reason.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use lbos_check::present::{CheckSettings, TraceFile};
use lbos_server::{Settings, app};
use lbos_vm::{Config, Machine, SemaphoreModel};
use serde_json::{Value, json};
use tower::ServiceExt;

fn catalog_source(entry: &str, file: &str) -> String {
    lbos_catalog::find(entry)
        .and_then(|e| e.program(file))
        .unwrap_or_else(|| panic!("no catalog program {entry}/{file}"))
        .source
        .clone()
}

async fn post_raw(app_: &axum::Router, uri: &str, body: String) -> (StatusCode, Value) {
    let req = Request::post(uri)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body))
        .unwrap();
    let res = app_.clone().oneshot(req).await.unwrap();
    let st = res.status();
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    (st, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

async fn wait_check(app_: &axum::Router, id: u64) -> Value {
    for _ in 0..1000 {
        let req = Request::get(format!("/api/check/{id}"))
            .body(Body::empty())
            .unwrap();
        let res = app_.clone().oneshot(req).await.unwrap();
        let bytes = res.into_body().collect().await.unwrap().to_bytes();
        let v: Value = serde_json::from_slice(&bytes).unwrap();
        if v["job"]["phase"] == "done" {
            return v["job"]["report"].clone();
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("check {id} did not finish");
}

/// The trace file `lbos check --trace-out` writes for this program (checked in-process).
fn trace_of(name: &str, source: &str, semaphores: SemaphoreModel, liveness: bool) -> TraceFile {
    let program = lbos_lang::compile(source).expect("compiles");
    let config = Config {
        semaphores,
        ..Config::default()
    };
    let m = Machine::new(Arc::new(program), config).expect("sets up");
    let opts = lbos_check::Options {
        liveness,
        ..lbos_check::Options::default()
    };
    let report = lbos_check::check(&m, &opts);
    let settings = CheckSettings {
        program: name.into(),
        semaphores,
        liveness,
        dfs: false,
    };
    TraceFile::from_check(&m, &report, &settings, &[]).expect("a counterexample")
}

/// The fields of a result that say what the counterexample is and how it is explained.
fn shown(r: &Value) -> Value {
    json!({
        "verdict": r["verdict"], "verdict_text": r["verdict_text"], "checked": r["checked"],
        "fault": r["fault"], "path": r["path"], "trace": r["trace"],
        "final_state": r["final_state"], "starvation": r["starvation"], "threads": r["threads"],
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn a_trace_file_shows_what_the_servers_own_check_shows() {
    let app_ = app(Settings::default());
    for (entry, file, liveness) in [
        ("rendezvous", "rendezvous-deadlock", false),
        ("concurrent-updates", "updates-split", false),
        ("no-starve-mutex", "mutex-loop", true),
    ] {
        let src = catalog_source(entry, file);
        let trace = trace_of(file, &src, SemaphoreModel::Weak, liveness);
        let (st, opened) = post_raw(&app_, "/api/trace", trace.to_json()).await;
        assert_eq!(st, StatusCode::OK, "{file}: {opened}");
        assert_eq!(opened["program"]["source"], src.as_str());
        assert_eq!(opened["program"]["name"], file);
        assert_eq!(opened["program"]["semaphores"], "weak");
        let (st, job) = post_raw(
            &app_,
            "/api/check",
            json!({ "name": file, "source": src, "liveness": liveness }).to_string(),
        )
        .await;
        assert_eq!(st, StatusCode::ACCEPTED, "{job}");
        let checked = wait_check(&app_, job["id"].as_u64().unwrap()).await;
        assert_eq!(shown(&opened["report"]), shown(&checked), "{file}");
        assert_eq!(opened["report"]["warnings"], json!([]), "{file}");
        // The file carries the check's statistics.
        assert_eq!(
            opened["report"]["stats"]["states"],
            checked["stats"]["states"]
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_version_1_trace_file_still_opens() {
    let app_ = app(Settings::default());
    let src = catalog_source("rendezvous", "rendezvous-deadlock");
    let v1 = json!({
        "lbos_trace": 1, "program": "rendezvous-deadlock.sync", "source": src,
        "threads": [], "semaphores": "weak", "verdict": "deadlock",
        "transitions": [
            { "thread": 0 }, { "thread": 0 }, { "thread": 0 },
            { "thread": 1 }, { "thread": 1 }, { "thread": 1 },
        ],
    });
    let (st, v) = post_raw(&app_, "/api/trace", v1.to_string()).await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(v["report"]["verdict"], "deadlock");
    assert_eq!(
        v["report"]["path"],
        json!([{ "t": 0 }, { "t": 0 }, { "t": 0 }, { "t": 1 }, { "t": 1 }, { "t": 1 }])
    );
    assert_eq!(v["report"]["trace"].as_array().unwrap().len(), 6);
    // Version 1 wrote thread settings as `{"All":3}`: they are read as `3`.
    let src = "s = Semaphore(0)\n## Thread A\ns.wait()\n";
    let v1 = json!({
        "lbos_trace": 1, "program": "w.sync", "source": src, "threads": [{ "All": 2 }],
        "transitions": [{ "thread": 0 }, { "thread": 1 }],
    });
    let (st, v) = post_raw(&app_, "/api/trace", v1.to_string()).await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(v["program"]["threads"], json!(["2"]));
    assert_eq!(v["report"]["threads"].as_array().unwrap().len(), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn files_that_are_not_counterexamples_are_refused_with_the_reason() {
    let app_ = app(Settings {
        max_moves: 10,
        ..Settings::default()
    });
    let src = catalog_source("rendezvous", "rendezvous-deadlock");
    let base = json!({
        "lbos_trace": 2, "program": "r.sync", "source": src,
        "path": [{ "t": 0 }, { "t": 0 }, { "t": 0 }, { "t": 1 }, { "t": 1 }, { "t": 1 }],
    });
    let with = |k: &str, v: Value| {
        let mut b = base.clone();
        b[k] = v;
        b.to_string()
    };
    let cases = [
        ("{not json".to_string(), 422, "not an lbos trace"),
        (json!({ "hello": 1 }).to_string(), 422, "lbos_trace"),
        (with("lbos_trace", json!(3)), 422, "newer lbos"),
        (with("path", json!([{ "t": 9 }])), 422, "no thread number 9"),
        (
            with("path", json!([{ "t": 0 }])),
            422,
            "not a counterexample",
        ),
        (
            with("path", json!([{ "spawn": 0 }])),
            422,
            "creates a thread",
        ),
        (with("cycle_start", json!(6)), 422, "after the last"),
        (with("cycle_start", json!(1)), 422, "does not lead back"),
        (with("threads", json!(["x"])), 422, "not a thread count"),
        (with("source", json!("## Thread\nx = (\n")), 422, ""),
        (
            with("path", json!(vec![json!({"t": 0}); 11])),
            413,
            "more than the 10",
        ),
    ];
    for (body, status, says) in cases {
        let (st, v) = post_raw(&app_, "/api/trace", body.clone()).await;
        assert_eq!(st.as_u16(), status, "{body}: {v}");
        assert_eq!(v["ok"], false, "{v}");
        let text = v["message"].as_str().unwrap_or_default().to_string() + &v.to_string();
        assert!(text.contains(says), "{body}: {v}");
    }
    // A recorded verdict that the path does not lead to is a warning, not a refusal: the vm
    // decides.
    let (st, v) = post_raw(&app_, "/api/trace", with("verdict", json!("assertion"))).await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(v["report"]["verdict"], "deadlock");
    let w = v["report"]["warnings"][0].as_str().unwrap();
    assert!(w.contains("`assertion`") && w.contains("`deadlock`"), "{w}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_schedule_of_the_page_saves_as_a_trace_file_that_opens_again() {
    let app_ = app(Settings::default());
    let src = "s = Semaphore(0)\n## Thread W\ns.wait()\n## Thread S\ns.signal()\n";
    let save = |moves: Value| {
        json!({ "name": "wake.sync", "source": src, "threads": ["W=2"], "moves": moves })
            .to_string()
    };
    // Both waiters block, one more is created and runs: a schedule, not a counterexample.
    let moves = json!([{ "t": 0 }, { "t": 1 }, { "spawn": 0 }]);
    let (st, v) = post_raw(&app_, "/api/trace/save", save(moves.clone())).await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(v["lbos_trace"], 2);
    assert_eq!(v["program"], "wake.sync");
    assert_eq!(v["threads"], json!(["W=2"]));
    assert_eq!(v["path"], moves);
    assert!(v["verdict"].is_null(), "{v}");
    let back = TraceFile::parse("saved", &v.to_string()).unwrap();
    assert_eq!(back.path.len(), 3);
    // Both waiters block and S wakes one of them: the other waits forever, a deadlock.
    let moves = json!([{ "t": 0 }, { "t": 1 }, { "t": 2, "c": [0] }]);
    let (st, v) = post_raw(&app_, "/api/trace/save", save(moves.clone())).await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(v["verdict"], "deadlock", "{v}");
    let (st, opened) = post_raw(&app_, "/api/trace", v.to_string()).await;
    assert_eq!(st, StatusCode::OK, "{opened}");
    assert_eq!(opened["report"]["verdict"], "deadlock");
    assert_eq!(opened["report"]["path"], moves);
    // A move that cannot be made is refused with its number.
    let (st, v) = post_raw(&app_, "/api/trace/save", save(json!([{ "t": 7 }]))).await;
    assert_eq!(st, StatusCode::CONFLICT, "{v}");
    assert!(v["message"].as_str().unwrap().contains("move 1"), "{v}");
}
