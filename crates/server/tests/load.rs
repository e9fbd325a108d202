//! Load: while two heavy checks keep both cores busy, 200 light requests sent at once over real
//! connections are each answered within a second.

mod common;

use std::time::{Duration, Instant};

use common::{Server, get, post};
use lbos_server::Settings;
use serde_json::{Value, json};

/// A program whose state space is far too large to finish: the checks run until cancelled.
const HEAVY: &str = "\
x = 0
y = 0
## Thread x4
while True:
    x = (x + self.index + 1) % 100003
    y = (y + x) % 100019
";

const LIGHT: &str = "\
mutex = Semaphore(1)
count = 0
## Thread x2
mutex.wait()
count += 1
mutex.signal()
";

async fn phase(addr: std::net::SocketAddr, id: u64) -> Value {
    get(addr, &format!("/api/check/{id}")).await.json()["job"]["phase"].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn light_requests_are_answered_within_a_second_while_heavy_checks_run() {
    let s = Server::start(Settings {
        max_checks: 2,
        check_timeout: Duration::from_secs(300),
        check_memory_bytes: 1 << 30,
        ..Settings::default()
    });
    let addr = s.addr;
    let mut checks = Vec::new();
    for _ in 0..2 {
        let a = post(addr, "/api/check", &json!({ "source": HEAVY })).await;
        assert_eq!(a.status, 202, "{}", String::from_utf8_lossy(&a.body));
        checks.push(a.json()["id"].as_u64().unwrap());
    }
    // Both checks are running (and stay so until cancelled).
    let start = Instant::now();
    for id in &checks {
        while phase(addr, *id).await != "running" {
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "check {id} did not start"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    tokio::time::sleep(Duration::from_millis(500)).await;

    let moves: Vec<Value> = (0..6).map(|i| json!({ "t": i % 2 })).collect();
    let tasks: Vec<_> = (0..200)
        .map(|i| {
            let id = checks[i % 2];
            let moves = moves.clone();
            tokio::spawn(async move {
                let start = Instant::now();
                let (what, a) = match i % 4 {
                    0 => ("poll", get(addr, &format!("/api/check/{id}")).await),
                    1 => ("page", get(addr, "/").await),
                    2 => (
                        "source",
                        get(addr, "/api/source?catalog=rendezvous/rendezvous").await,
                    ),
                    _ => (
                        "view",
                        post(
                            addr,
                            "/api/view",
                            &json!({ "source": LIGHT, "moves": moves }),
                        )
                        .await,
                    ),
                };
                (what, a.status, start.elapsed())
            })
        })
        .collect();
    let mut results = Vec::new();
    for t in tasks {
        results.push(t.await.unwrap());
    }
    let mut times: Vec<Duration> = results.iter().map(|r| r.2).collect();
    times.sort();
    eprintln!(
        "200 light requests: median {:?}, 90th percentile {:?}, slowest {:?}",
        times[100], times[180], times[199]
    );
    for (what, status, took) in results {
        assert_eq!(status, 200, "{what}");
        assert!(took < Duration::from_secs(1), "{what} took {took:?}");
    }

    // The checks were busy throughout; cancelled, they stop promptly.
    for id in &checks {
        assert_eq!(phase(addr, *id).await, "running");
        let a = post(addr, &format!("/api/check/{id}/cancel"), &json!({})).await;
        assert_eq!(a.status, 200);
    }
    let start = Instant::now();
    for id in &checks {
        while phase(addr, *id).await != "done" {
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "check {id} ignores cancel"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let job = get(addr, &format!("/api/check/{id}")).await.json()["job"].clone();
        assert_eq!(job["report"]["cancelled"], true, "{job}");
    }
}
