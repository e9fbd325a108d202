//! Hostile requests and clients against a real `lbos serve` (TCP on loopback): each gets a
//! clear answer or is disconnected in time, and the server still answers afterwards.

mod common;

use std::time::{Duration, Instant};

use common::{Server, get, post, wait_closed};
use lbos_server::Settings;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// The server is alive: it serves the catalog.
async fn still_answers(s: &Server) {
    let a = get(s.addr, "/api/catalog").await;
    assert_eq!(a.status, 200);
    assert!(
        a.json()["chapters"]
            .as_array()
            .is_some_and(|c| !c.is_empty())
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn nested_parentheses_get_a_diagnostic_and_the_server_lives_on() {
    let s = Server::start(Settings::default());
    for n in [900, 4000, 90_000] {
        let source = format!(
            "x = {}1{}\n## Thread\nx += 1\n",
            "(".repeat(n),
            ")".repeat(n)
        );
        for path in ["/api/view", "/api/check", "/api/alternatives"] {
            let a = post(s.addr, path, &json!({ "source": source, "thread": 0 })).await;
            assert_eq!(
                a.status,
                422,
                "{path} {n}: {}",
                String::from_utf8_lossy(&a.body)
            );
            let v = a.json();
            assert_eq!(v["error"], "compile");
            let d = &v["diagnostics"][0];
            assert_eq!(d["line"], 1);
            assert!(
                d["message"]
                    .as_str()
                    .unwrap()
                    .contains("expected a simpler expression"),
                "{d}"
            );
            assert!(
                d["hint"]
                    .as_str()
                    .unwrap()
                    .contains("intermediate variables")
            );
        }
    }
    still_answers(&s).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn deeply_nested_blocks_get_a_diagnostic() {
    let s = Server::start(Settings::default());
    let mut source = String::from("x = 0\n## Thread\n");
    for i in 0..400 {
        source.push_str(&format!("{}if x == 0:\n", " ".repeat(i)));
    }
    source.push_str(&format!("{}x += 1\n", " ".repeat(400)));
    let a = post(s.addr, "/api/view", &json!({ "source": source })).await;
    assert_eq!(a.status, 422);
    assert!(
        a.json()["text"]
            .as_str()
            .unwrap()
            .contains("expected at most 100 nested blocks")
    );
    still_answers(&s).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_long_schedule_of_big_changes_is_cut_to_the_view_limit() {
    let settings = Settings::default();
    let limit = settings.max_view_bytes;
    let s = Server::start(settings);
    // Each step changes a list of 10,000 numbers: shown whole, 5,000 steps are ~150 MB.
    let source = "xs = [0] * 10000\n## Thread\nwhile True:\n    xs[0] += 1\n";
    let moves: Vec<_> = (0..5000).map(|_| json!({ "t": 0 })).collect();
    let req = json!({ "source": source, "moves": moves });
    assert!(req.to_string().len() < 50_000);
    let start = Instant::now();
    let a = post(s.addr, "/api/view", &req).await;
    assert_eq!(a.status, 200, "{}", String::from_utf8_lossy(&a.body[..200]));
    assert!(a.body.len() <= limit, "{} bytes", a.body.len());
    let v = a.json();
    let kept = v["moves"].as_array().unwrap().len();
    assert!((100..5000).contains(&kept), "{kept} moves kept");
    assert_eq!(v["steps"].as_array().unwrap().len(), kept);
    let warning = v["warning"].as_str().unwrap();
    assert!(
        warning.contains("the view is limited to 8 MiB"),
        "{warning}"
    );
    assert!(
        warning.contains(&format!("move {} and the", kept + 1)),
        "{warning}"
    );
    assert!(
        start.elapsed() < Duration::from_secs(30),
        "{:?}",
        start.elapsed()
    );
    // Extending such a schedule is cut the same way.
    let a = post(
        s.addr,
        "/api/view",
        &json!({ "source": source, "extend": { "kind": "random", "count": 1000 } }),
    )
    .await;
    assert_eq!(a.status, 200);
    assert!(a.body.len() <= limit);
    still_answers(&s).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn thousands_of_objects_are_listed_up_to_a_cap() {
    let s = Server::start(Settings::default());
    let source = "sems = [Semaphore(0) for i in range(6000)]\n## Thread\nsems[5999].signal()\n";
    let start = Instant::now();
    let a = post(
        s.addr,
        "/api/view",
        &json!({ "source": source, "moves": [{ "t": 0 }] }),
    )
    .await;
    assert_eq!(a.status, 200);
    let v = a.json();
    assert_eq!(v["state"]["objects"].as_array().unwrap().len(), 1000);
    assert_eq!(v["state"]["objects"][999]["name"], "sems[999]");
    assert_eq!(v["state"]["objects_omitted"], 5000);
    assert_eq!(v["steps"][0]["changes"][0]["what"], "sems[5999]");
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "{:?}",
        start.elapsed()
    );
}

fn quick(request_timeout: u64, idle_timeout: u64) -> Settings {
    Settings {
        request_timeout: Duration::from_secs(request_timeout),
        idle_timeout: Duration::from_secs(idle_timeout),
        ..Settings::default()
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_body_sent_too_slowly_gets_a_408_and_the_connection_is_closed() {
    let s = Server::start(quick(1, 30));
    let mut c = TcpStream::connect(s.addr).await.unwrap();
    c.write_all(
        b"POST /api/view HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"sou",
    )
    .await
    .unwrap();
    let start = Instant::now();
    let mut raw = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), c.read_to_end(&mut raw))
        .await
        .expect("answered and closed")
        .unwrap();
    let a = common::parse(&raw).expect("an answer");
    assert_eq!(a.status, 408);
    assert!(
        a.json()["message"]
            .as_str()
            .unwrap()
            .contains("--request-timeout")
    );
    assert!(
        start.elapsed() >= Duration::from_millis(900),
        "{:?}",
        start.elapsed()
    );
    still_answers(&s).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn idle_and_slow_connections_are_closed() {
    let s = Server::start(quick(30, 1));
    let limit = Duration::from_secs(10);
    // Connected, silent.
    let mut silent = TcpStream::connect(s.addr).await.unwrap();
    // Half a request head, then nothing.
    let mut slow = TcpStream::connect(s.addr).await.unwrap();
    slow.write_all(b"GET /api/catalog HTTP/1.1\r\nHost: local")
        .await
        .unwrap();
    // A request head one byte at a time, slower than the limit in total.
    let mut dripping = TcpStream::connect(s.addr).await.unwrap();
    let drip = tokio::spawn(async move {
        for b in b"GET /api/catalog HTTP/1.1\r\nHost: localhost\r\n\r\n" {
            if dripping.write_all(&[*b]).await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        wait_closed(&mut dripping, limit).await
    });
    // Kept alive after one answer, then idle.
    let mut kept = TcpStream::connect(s.addr).await.unwrap();
    kept.write_all(b"GET /api/catalog HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .await
        .unwrap();
    let mut raw = Vec::new();
    let mut buf = vec![0u8; 1 << 16];
    while common::parse(&raw).is_none_or(|a| {
        let len: usize = a
            .headers
            .to_ascii_lowercase()
            .lines()
            .find_map(|l| {
                l.strip_prefix("content-length:")
                    .map(|v| v.trim().parse().unwrap())
            })
            .unwrap();
        a.body.len() < len
    }) {
        let n = kept.read(&mut buf).await.unwrap();
        assert!(n > 0, "closed before the answer");
        raw.extend_from_slice(&buf[..n]);
    }
    assert_eq!(common::parse(&raw).unwrap().status, 200);

    for (what, c) in [
        ("silent", &mut silent),
        ("slow", &mut slow),
        ("kept alive", &mut kept),
    ] {
        let t = wait_closed(c, limit).await;
        assert!(t < Duration::from_secs(5), "{what}: closed after {t:?}");
    }
    let t = drip.await.unwrap();
    assert!(t < Duration::from_secs(5), "dripping: {t:?}");
    still_answers(&s).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn idle_clients_and_clients_that_do_not_read_cannot_starve_others() {
    // One connection at a time: each of these holds it until it is closed for idling.
    let s = Server::start(Settings {
        max_connections: 1,
        ..quick(30, 1)
    });
    let _silent = TcpStream::connect(s.addr).await.unwrap();
    let start = Instant::now();
    still_answers(&s).await;
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "{:?}",
        start.elapsed()
    );

    // Asks for many answers and reads none: the server's writes stall until it gives up.
    let mut greedy = TcpStream::connect(s.addr).await.unwrap();
    let many = "GET /api/catalog HTTP/1.1\r\nHost: localhost\r\n\r\n".repeat(2000);
    let send = tokio::spawn(async move {
        let _ = greedy.write_all(many.as_bytes()).await;
        greedy
    });
    tokio::time::sleep(Duration::from_millis(500)).await;
    let start = Instant::now();
    still_answers(&s).await;
    assert!(
        start.elapsed() < Duration::from_secs(8),
        "{:?}",
        start.elapsed()
    );
    drop(send.await);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_counterexample_longer_than_a_schedule_comes_without_its_moves() {
    let s = Server::start(Settings {
        max_moves: 10,
        ..Settings::default()
    });
    let long = "i = 0\n## Thread\nwhile i < 20:\n    i += 1\nassert i < 20\n";
    let short = "i = 0\n## Thread\ni += 1\nassert i < 1\n";
    for (source, moves) in [(long, None), (short, Some(2))] {
        let a = post(s.addr, "/api/check", &json!({ "source": source })).await;
        assert_eq!(a.status, 202);
        let id = a.json()["id"].as_u64().unwrap();
        let start = Instant::now();
        let job = loop {
            let job = get(s.addr, &format!("/api/check/{id}")).await.json()["job"].clone();
            if job["phase"] == "done" {
                break job;
            }
            assert!(start.elapsed() < Duration::from_secs(30));
            tokio::time::sleep(Duration::from_millis(20)).await;
        };
        let r = &job["report"];
        assert_eq!(r["verdict"], "assertion", "{job}");
        match moves {
            None => {
                assert!(r["path"].is_null(), "{r}");
                let note = r["path_note"].as_str().unwrap();
                assert!(note.contains("more than the 10"), "{note}");
            }
            Some(n) => {
                assert_eq!(r["path"].as_array().unwrap().len(), n);
                assert!(r["path_note"].is_null());
            }
        }
    }
}
