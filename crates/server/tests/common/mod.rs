//! A real server on a loopback port, on its own runtime with two workers as `lbos serve` has,
//! and a plain HTTP/1.1 client over TCP: what these tests observe is what a browser would.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use lbos_server::Settings;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

pub struct Server {
    pub addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Server {
    pub fn start(settings: Settings) -> Server {
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let listener = lbos_server::http::bind(([127, 0, 0, 1], 0).into()).unwrap();
                addr_tx.send(listener.local_addr().unwrap()).unwrap();
                lbos_server::serve_on(listener, settings, async {
                    let _ = stopped.await;
                })
                .await;
            });
        });
        Server {
            addr: addr_rx.recv().expect("the server starts"),
            stop: Some(stop),
            thread: Some(thread),
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

pub struct Answer {
    pub status: u16,
    pub headers: String,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
}

/// Sends one request on a new connection (`Connection: close`) and reads the whole answer;
/// panics if that takes more than a minute (a test fails rather than hangs).
pub async fn request(addr: SocketAddr, method: &str, path: &str, body: Option<&Value>) -> Answer {
    tokio::time::timeout(Duration::from_secs(60), exchange(addr, method, path, body))
        .await
        .unwrap_or_else(|_| panic!("{method} {path}: no answer within a minute"))
}

async fn exchange(addr: SocketAddr, method: &str, path: &str, body: Option<&Value>) -> Answer {
    let mut s = TcpStream::connect(addr).await.expect("connects");
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    s.write_all(head.as_bytes()).await.unwrap();
    s.write_all(body.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).await.expect("reads the answer");
    parse(&raw).expect("an HTTP answer")
}

pub async fn get(addr: SocketAddr, path: &str) -> Answer {
    request(addr, "GET", path, None).await
}

pub async fn post(addr: SocketAddr, path: &str, body: &Value) -> Answer {
    request(addr, "POST", path, Some(body)).await
}

/// Parses one answer: status line, headers, and a body by length, chunks or end of stream.
/// None if it is incomplete.
pub fn parse(raw: &[u8]) -> Option<Answer> {
    let end = raw.windows(4).position(|w| w == b"\r\n\r\n")?;
    let headers = String::from_utf8_lossy(&raw[..end]).to_string();
    let status: u16 = headers.split(' ').nth(1)?.parse().ok()?;
    let rest = &raw[end + 4..];
    let lower = headers.to_ascii_lowercase();
    let body = if lower.contains("transfer-encoding: chunked") {
        let mut out = Vec::new();
        let mut at = 0;
        loop {
            let line_end = at + rest[at..].windows(2).position(|w| w == b"\r\n")?;
            let size =
                usize::from_str_radix(std::str::from_utf8(&rest[at..line_end]).ok()?.trim(), 16)
                    .ok()?;
            at = line_end + 2;
            if size == 0 {
                break;
            }
            out.extend_from_slice(rest.get(at..at + size)?);
            at += size + 2;
        }
        out
    } else if let Some(len) = lower
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse::<usize>().ok())
    {
        rest.get(..len)?.to_vec()
    } else {
        rest.to_vec()
    };
    Some(Answer {
        status,
        headers,
        body,
    })
}

/// Waits until the server closes `s` (end of stream or a reset); the time it took.
pub async fn wait_closed(s: &mut TcpStream, limit: Duration) -> Duration {
    let start = Instant::now();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        match tokio::time::timeout(limit.saturating_sub(start.elapsed()), s.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return start.elapsed(),
            Ok(Ok(_)) => continue,
            Err(_) => panic!("the connection is still open after {limit:?}"),
        }
    }
}
