//! The HTTP API and the routes of the embedded page.
//!
//! - `GET /`, `GET /app/{file}` and `GET /favicon.ico`: the single-page app (gzip, ETag).
//! - `GET /api/catalog`: every catalog entry by chapter, the command-line files, the limits;
//!   `?exercise=1` names each program by its neutral id and name only.
//! - `GET /api/source?catalog=ENTRY/FILE` or `?file=N`: a program's text and configuration;
//!   `&exercise=1` answers with exercise mode's neutral form ([`lbos_catalog::Neutral`]: id,
//!   file name, title and leading comment; no verdict, note or mutant explanation); the
//!   neutral id opens it too.
//! - `POST /api/view`: replays `moves` (optionally extended by a round or random steps) and
//!   returns the program layout, one report per move and the state after `at` moves.
//! - `POST /api/alternatives`: what each alternative of a thread's next choice would do.
//! - `POST /api/check`, `GET /api/check/{id}`, `POST /api/check/{id}/cancel`: checks.
//! - `POST /api/trace`: a trace file (`lbos check --trace-out`, the body as is): its program
//!   and the check result its path stands for, as a finished check reports it.
//! - `POST /api/trace/save`: a program and `moves` as a trace file, for `lbos run --replay`.
//! - `POST /api/mutants`: a mutation analysis of the program, polled and cancelled as a check.

use std::sync::Arc;

use axum::extract::{DefaultBodyLimit, Path, Query, State as AxState};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use lbos_vm::Machine;
use serde::Deserialize;
use serde_json::{Value as Json_, json};

use crate::Settings;
use crate::assets;
use crate::checks::ReportView;
use crate::checks::{Checks, Limits};
use crate::replay::{self, LoadError, Move, ProgramInput};
use lbos_check::present::{CheckSettings, ResultLimits, TraceFile};
use lbos_vm::present::{self, Policy, Scheduler};

pub struct AppState {
    pub settings: Settings,
    pub checks: Checks,
}

impl AppState {
    pub fn new(settings: Settings) -> AppState {
        AppState {
            checks: Checks::new(settings.max_checks, settings.max_queued_checks),
            settings,
        }
    }
}

type Shared = Arc<AppState>;

pub fn router(state: Shared) -> Router {
    let limit = state.settings.max_body_bytes;
    Router::new()
        .route("/", get(index))
        .route("/app/{file}", get(asset))
        .route("/favicon.ico", get(favicon))
        .route("/api/catalog", get(catalog))
        .route("/api/source", get(source))
        .route("/api/view", post(view))
        .route("/api/alternatives", post(alternatives))
        .route("/api/check", post(check_start))
        .route("/api/mutants", post(mutants_start))
        .route("/api/check/{id}", get(check_poll))
        .route("/api/check/{id}/cancel", post(check_cancel))
        .route("/api/trace", post(trace_file))
        .route("/api/trace/save", post(trace_save))
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(limit))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            host_guard,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            request_timeout,
        ))
        .with_state(state)
}

/// Answers 408 to a request not answered within `request_timeout`, reading its body included:
/// a client that sends its body slowly cannot hold a worker. The connection is closed after.
async fn request_timeout(
    AxState(st): AxState<Shared>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let limit = st.settings.request_timeout;
    match tokio::time::timeout(limit, next.run(req)).await {
        Ok(res) => res,
        Err(_) => {
            let mut res = error(
                StatusCode::REQUEST_TIMEOUT,
                format!(
                    "the request was not complete and answered within {} s (--request-timeout)",
                    limit.as_secs_f64()
                ),
            );
            res.headers_mut().insert(
                header::CONNECTION,
                header::HeaderValue::from_static("close"),
            );
            res
        }
    }
}

/// On loopback, serve only requests addressed to a loopback name: a page elsewhere that
/// rebinds its DNS name to 127.0.0.1 cannot drive the server.
async fn host_guard(
    AxState(st): AxState<Shared>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    if !st.settings.any_host {
        let host = req
            .headers()
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or("");
        let name = match host.strip_prefix('[') {
            Some(v6) => v6.split(']').next().unwrap_or(""),
            None => host.split(':').next().unwrap_or(""),
        };
        if !matches!(name, "" | "localhost" | "127.0.0.1" | "::1") {
            return error(StatusCode::FORBIDDEN, format!("host {host} is not served"));
        }
    }
    next.run(req).await
}

fn error(status: StatusCode, message: impl Into<String>) -> Response {
    (
        status,
        Json(json!({ "ok": false, "error": "request", "message": message.into() })),
    )
        .into_response()
}

async fn not_found() -> Response {
    error(StatusCode::NOT_FOUND, "no such page")
}

async fn index(headers: HeaderMap) -> Response {
    asset_response("index.html", &headers)
}

async fn favicon(headers: HeaderMap) -> Response {
    asset_response("favicon.svg", &headers)
}

async fn asset(Path(file): Path<String>, headers: HeaderMap) -> Response {
    asset_response(&file, &headers)
}

/// An embedded file: gzipped when the browser takes it, 304 when its cached copy is current
/// (`no-cache` makes it ask each time, so a new build is never hidden by a cache).
fn asset_response(file: &str, headers: &HeaderMap) -> Response {
    let Some(a) = assets::get(file) else {
        return error(StatusCode::NOT_FOUND, format!("no asset {file}"));
    };
    let text = |name| {
        headers
            .get(name)
            .and_then(|v: &header::HeaderValue| v.to_str().ok())
            .unwrap_or("")
    };
    let common = [
        (header::CACHE_CONTROL, "no-cache"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::VARY, "Accept-Encoding"),
    ];
    let etag = [(header::ETAG, a.etag.clone())];
    if assets::matches_etag(text(header::IF_NONE_MATCH), &a.etag) {
        return (StatusCode::NOT_MODIFIED, common, etag).into_response();
    }
    if assets::accepts_gzip(text(header::ACCEPT_ENCODING)) {
        let body = a.gzip.as_slice();
        (
            common,
            etag,
            [
                (header::CONTENT_TYPE, a.mime),
                (header::CONTENT_ENCODING, "gzip"),
            ],
            body,
        )
            .into_response()
    } else {
        (common, etag, [(header::CONTENT_TYPE, a.mime)], a.body).into_response()
    }
}

#[derive(Deserialize)]
struct CatalogQuery {
    /// `1`: exercise mode's list: each program by its neutral id and name only (no file name,
    /// title, kind, expected verdict or note, which a student could read in the response).
    #[serde(default)]
    exercise: u8,
}

async fn catalog(AxState(st): AxState<Shared>, Query(q): Query<CatalogQuery>) -> Response {
    let mut chapters: Vec<Json_> = Vec::new();
    let mut current: Option<(u32, Vec<Json_>)> = None;
    for e in lbos_catalog::entries() {
        let ch = e.chapter();
        if current.as_ref().is_some_and(|c| c.0 != ch)
            && let Some((n, entries)) = current.take()
        {
            chapters.push(json!({ "chapter": n, "entries": entries }));
        }
        let programs: Vec<Json_> = e
            .programs
            .iter()
            .enumerate()
            .map(|(i, p)| {
                // Names only: the neutral text is made when a program is opened.
                let neutral =
                    json!({ "exercise_id": e.neutral_id(i), "exercise_title": e.neutral_title(i) });
                if q.exercise == 1 {
                    return neutral;
                }
                let mut all = json!({
                    "id": format!("{}/{}", e.name, p.file.trim_end_matches(".sync")),
                    "file": p.file, "title": p.title, "kind": p.kind.as_str(),
                    "expect": p.expect, "note": p.note,
                });
                all.as_object_mut()
                    .expect("an object")
                    .extend(neutral.as_object().expect("an object").clone());
                all
            })
            .collect();
        let entry = json!({
            "name": e.name, "title": e.title, "section": e.section,
            "statement": e.statement, "properties": e.properties, "programs": programs,
        });
        match &mut current {
            Some((_, entries)) => entries.push(entry),
            None => current = Some((ch, vec![entry])),
        }
    }
    if let Some((n, entries)) = current {
        chapters.push(json!({ "chapter": n, "entries": entries }));
    }
    let files: Vec<Json_> = st
        .settings
        .files
        .iter()
        .enumerate()
        .map(|(i, f)| json!({ "id": i, "name": f.display().to_string() }))
        .collect();
    let s = &st.settings;
    Json(json!({
        "chapters": chapters,
        "files": files,
        "limits": {
            "max_moves": s.max_moves,
            "check_timeout_secs": s.check_timeout.as_secs_f64(),
            "check_states": s.check_states,
            "check_memory_bytes": s.check_memory_bytes,
            "max_checks": s.max_checks,
        }
    }))
    .into_response()
}

#[derive(Deserialize)]
struct SourceQuery {
    catalog: Option<String>,
    file: Option<usize>,
    /// `1`: the catalog program in exercise mode's neutral form (id, name, title and leading
    /// comment), without its expected verdict and note.
    #[serde(default)]
    exercise: u8,
}

async fn source(AxState(st): AxState<Shared>, Query(q): Query<SourceQuery>) -> Response {
    if let Some(id) = q.catalog {
        let Some((e, i)) = lbos_catalog::find_program(&id) else {
            return error(StatusCode::NOT_FOUND, format!("no catalog program {id}"));
        };
        let p = &e.programs[i];
        let mut answer = json!({
            "ok": true, "threads": p.threads,
            "semaphores": p.semaphores.clone().unwrap_or_else(|| "weak".into()),
        });
        if q.exercise == 1 {
            // Which mutants survive, without the explanations (they name the problem's
            // solution and its flaws).
            let survivors: serde_json::Map<String, Json_> = p
                .survivors
                .keys()
                .map(|k| (k.clone(), Json_::String(String::new())))
                .collect();
            answer["survivors"] = survivors.into();
            let n = e.neutral(i);
            answer["id"] = n.id.into();
            answer["name"] = n.file.into();
            answer["title"] = n.title.into();
            answer["source"] = n.source.into();
        } else {
            answer["id"] = format!("{}/{}", e.name, p.file.trim_end_matches(".sync")).into();
            answer["name"] = p.file.clone().into();
            answer["title"] = p.title.clone().into();
            answer["source"] = p.source.clone().into();
            answer["expect"] = p.expect.clone().into();
            answer["note"] = p.note.clone().into();
            answer["survivors"] = json!(p.survivors);
            answer["undecided"] = json!(p.undecided);
        }
        return Json(answer).into_response();
    }
    if let Some(i) = q.file {
        // Only files named on the command line, by their index.
        let Some(path) = st.settings.files.get(i) else {
            return error(StatusCode::NOT_FOUND, format!("no file {i}"));
        };
        let path = path.clone();
        let max = st.settings.max_source_bytes;
        let read = tokio::task::spawn_blocking(move || {
            let meta = std::fs::metadata(&path)?;
            if meta.len() > max as u64 {
                return Err(std::io::Error::other(format!(
                    "the file is larger than {} KiB",
                    max >> 10
                )));
            }
            std::fs::read_to_string(&path)
        })
        .await;
        return match read {
            Ok(Ok(text)) => Json(json!({
                "ok": true, "id": format!("file:{i}"),
                "name": st.settings.files[i].display().to_string(),
                "title": st.settings.files[i].display().to_string(),
                "source": text, "threads": [], "semaphores": "weak",
            }))
            .into_response(),
            Ok(Err(e)) => error(
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("cannot read: {e}"),
            ),
            Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
        };
    }
    error(
        StatusCode::BAD_REQUEST,
        "expected ?catalog=ENTRY/FILE or ?file=N",
    )
}

/// A response when the program is too large to take.
fn check_source(st: &Settings, input: &ProgramInput) -> Option<Response> {
    if input.source.len() > st.max_source_bytes {
        return Some(error(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("programs are limited to {} KiB", st.max_source_bytes >> 10),
        ));
    }
    if input.threads.len() > 64 {
        return Some(error(StatusCode::BAD_REQUEST, "too many thread settings"));
    }
    None
}

fn load_error(e: LoadError) -> Response {
    let mut v = serde_json::to_value(&e).unwrap_or_else(|_| json!({}));
    v["ok"] = json!(false);
    (StatusCode::UNPROCESSABLE_ENTITY, Json(v)).into_response()
}

/// Loads a program on a blocking thread (initialization blocks may run long).
async fn load(input: ProgramInput) -> Result<Machine, Response> {
    match tokio::task::spawn_blocking(move || replay::load(&input)).await {
        Ok(Ok(m)) => Ok(m),
        Ok(Err(e)) => Err(load_error(e)),
        Err(e) => Err(error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string())),
    }
}

#[derive(Deserialize)]
struct ViewRequest {
    #[serde(flatten)]
    program: ProgramInput,
    #[serde(default)]
    moves: Vec<Move>,
    /// Show the state after this many moves (default: all).
    at: Option<usize>,
    /// Extend the schedule (after truncating it at `at`).
    extend: Option<Extend>,
}

#[derive(Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
enum Extend {
    /// Each runnable thread once, in order; weak-semaphore picks by chance.
    Round {
        #[serde(default)]
        seed: u64,
    },
    /// `count` steps of threads chosen at random.
    Random {
        #[serde(default)]
        seed: u64,
        #[serde(default = "one")]
        count: usize,
        /// Step only this thread (its choices drawn at random).
        thread: Option<u32>,
    },
}

fn one() -> usize {
    1
}

async fn view(AxState(st): AxState<Shared>, Json(req): Json<ViewRequest>) -> Response {
    if let Some(r) = check_source(&st.settings, &req.program) {
        return r;
    }
    let max_moves = st.settings.max_moves;
    if req.moves.len() > max_moves {
        return error(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("schedules are limited to {max_moves} moves"),
        );
    }
    let m = match load(req.program).await {
        Ok(m) => m,
        Err(r) => return r,
    };
    let max_bytes = st.settings.max_view_bytes;
    let result = tokio::task::spawn_blocking(move || {
        let mut moves = req.moves;
        let mut at = req.at;
        if let Some(ext) = &req.extend {
            moves.truncate(at.unwrap_or(moves.len()));
            at = None;
            extend(&m, &mut moves, ext, max_moves, max_bytes);
        }
        serde_json::to_vec(&render(&m, &moves, at, max_bytes))
    })
    .await;
    match result {
        // The steps were cut to fit; what else a view holds is bounded by the program and the
        // vm's limits. This is the last guard.
        Ok(Ok(body)) if body.len() > max_bytes => error(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "the view of this program is {} MiB, more than the {} MiB a view may be (--max-view)",
                body.len() >> 20,
                max_bytes >> 20
            ),
        ),
        Ok(Ok(body)) => ([(header::CONTENT_TYPE, "application/json")], body).into_response(),
        Ok(Err(e)) => error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
        Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
    }
}

/// Appends moves to a schedule: a round or random steps, drawn by the vm's scheduler (the
/// same runs as `lbos run --schedule round-robin|random --seed N`). Stops at a fault, a
/// deadlock or the end.
fn extend(m: &Machine, moves: &mut Vec<Move>, ext: &Extend, max_moves: usize, max_bytes: usize) {
    let r = replay::replay(m, moves, None, max_bytes);
    *moves = r.moves;
    if r.fault_at.is_some() || r.initial_fault.is_some() {
        return;
    }
    let mut state = r.state;
    let (mut scheduler, count, one_round) = match ext {
        Extend::Round { seed } => (Scheduler::new(Policy::RoundRobin, *seed), usize::MAX, true),
        Extend::Random {
            seed,
            count,
            thread,
        } => {
            let s = Scheduler::new(Policy::Random, *seed);
            (
                thread.map_or(s.clone(), |t| s.only(t)),
                (*count).min(1000),
                false,
            )
        }
    };
    let mut made = 0;
    while made < count && moves.len() < max_moves && present::ending(m, &state).is_none() {
        let pick = match scheduler.next(m, &state) {
            Ok(Ok(p)) if !(one_round && p.round > 0) => p,
            _ => break,
        };
        match replay::step_once(m, &state, &pick.step, moves.len()) {
            Ok((_, Ok(next))) => {
                moves.push(pick.step);
                state = next;
            }
            Ok((_, Err(_))) => {
                moves.push(pick.step);
                break;
            }
            Err(_) => break,
        }
        made += 1;
    }
}

fn render(m: &Machine, moves: &[Move], at: Option<usize>, max_bytes: usize) -> Json_ {
    let r = replay::replay(m, moves, at, max_bytes);
    let status = if let Some(f) = &r.initial_fault {
        json!({ "kind": f.kind.as_str(), "message": f.message, "line": f.line, "threads": [] })
    } else if let Some((i, f)) = r.fault_at.as_ref().filter(|(i, _)| i + 1 == r.at) {
        json!({
            "kind": f.kind.as_str(), "message": f.message, "line": f.line, "step": i,
            "threads": present::fault_threads(f, r.moves.get(*i)),
        })
    } else if let Some(end) = present::ending(m, &r.state) {
        json!(end)
    } else {
        json!({ "kind": "running", "threads": [] })
    };
    let runnable: Vec<usize> = if status["kind"] == "running" {
        r.state.runnable().collect()
    } else {
        Vec::new()
    };
    json!({
        "ok": true,
        "program": replay::program_view(m),
        "moves": r.moves,
        "at": r.at,
        "steps": r.steps,
        "state": replay::state_view(m, &r.state),
        "status": status,
        "runnable": runnable,
        "warning": r.warning,
    })
}

#[derive(Deserialize)]
struct AltRequest {
    #[serde(flatten)]
    program: ProgramInput,
    #[serde(default)]
    moves: Vec<Move>,
    thread: u32,
    /// The choices already made for this step.
    #[serde(default)]
    prefix: Vec<u32>,
}

async fn alternatives(AxState(st): AxState<Shared>, Json(req): Json<AltRequest>) -> Response {
    if let Some(r) = check_source(&st.settings, &req.program) {
        return r;
    }
    if req.moves.len() > st.settings.max_moves || req.prefix.len() > 64 {
        return error(StatusCode::PAYLOAD_TOO_LARGE, "too many moves");
    }
    let m = match load(req.program).await {
        Ok(m) => m,
        Err(r) => return r,
    };
    let max_bytes = st.settings.max_view_bytes;
    let result = tokio::task::spawn_blocking(move || {
        let r = replay::replay(&m, &req.moves, None, max_bytes);
        if r.moves.len() != req.moves.len() || r.fault_at.is_some() {
            return Err(r
                .warning
                .unwrap_or_else(|| "the schedule ends in a fault".into()));
        }
        let st = &r.state;
        if st.threads.get(req.thread as usize).map(|t| t.status) != Some(lbos_vm::Status::Runnable)
        {
            return Err(format!("thread {} cannot step", req.thread));
        }
        let arities = m.choice_arities(st, req.thread, &req.prefix);
        let k = req.prefix.len();
        let Some(&n) = arities.get(k) else {
            return Ok(json!({ "ok": true, "arities": arities, "alternatives": [] }));
        };
        let n = n.min(64);
        let mut alts = Vec::new();
        for i in 0..n {
            let mut c = req.prefix.clone();
            c.push(i);
            let mv = Move::Step { t: req.thread, c };
            let text = match replay::step_once(&m, st, &mv, r.moves.len()) {
                Ok((v, _)) => {
                    let woke: Vec<String> = v
                        .arrows
                        .iter()
                        .filter(|a| a.kind == "woke")
                        .map(|a| m.thread_name(a.thread).to_string())
                        .collect();
                    json!({ "choice": i, "woke": woke, "events": v.events })
                }
                Err(e) => json!({ "choice": i, "woke": [], "events": [e] }),
            };
            alts.push(text);
        }
        Ok(json!({ "ok": true, "arities": arities, "alternatives": alts }))
    })
    .await;
    match result {
        Ok(Ok(v)) => Json(v).into_response(),
        Ok(Err(e)) => error(StatusCode::CONFLICT, e),
        Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
    }
}

#[derive(Deserialize)]
struct CheckRequest {
    #[serde(flatten)]
    program: ProgramInput,
    max_states: Option<u64>,
    timeout_secs: Option<f64>,
    #[serde(default)]
    dfs: bool,
    /// Also look for starvation (`lbos check --liveness`).
    #[serde(default)]
    liveness: bool,
}

/// A request's limits, within the server's.
fn check_limits(s: &Settings, max_states: Option<u64>, timeout_secs: Option<f64>) -> Limits {
    Limits {
        max_states: max_states
            .unwrap_or(s.check_states)
            .clamp(1, s.check_states),
        timeout_secs: timeout_secs
            .filter(|t| t.is_finite() && *t > 0.0)
            .unwrap_or(s.check_timeout.as_secs_f64())
            .min(s.check_timeout.as_secs_f64()),
        max_memory_bytes: s.check_memory_bytes,
        max_trace: s.max_moves,
    }
}

async fn check_start(AxState(st): AxState<Shared>, Json(req): Json<CheckRequest>) -> Response {
    if let Some(r) = check_source(&st.settings, &req.program) {
        return r;
    }
    let limits = check_limits(&st.settings, req.max_states, req.timeout_secs);
    let settings = CheckSettings {
        program: req.program.name.clone().unwrap_or_else(|| "program".into()),
        semaphores: req
            .program
            .semaphores
            .as_deref()
            .and_then(|s| s.parse().ok())
            .unwrap_or_default(),
        liveness: req.liveness,
        dfs: req.dfs,
    };
    let m = match load(req.program).await {
        Ok(m) => m,
        Err(r) => return r,
    };
    if req.dfs && req.liveness {
        return error(
            StatusCode::BAD_REQUEST,
            "the starvation check is breadth-first: do not ask for depth-first",
        );
    }
    match st.checks.submit(m, limits, settings) {
        Ok(id) => (StatusCode::ACCEPTED, Json(json!({ "ok": true, "id": id }))).into_response(),
        Err(e) => error(StatusCode::TOO_MANY_REQUESTS, e),
    }
}

#[derive(Deserialize)]
struct MutantsRequest {
    #[serde(flatten)]
    program: ProgramInput,
    timeout_secs: Option<f64>,
    /// The catalog program (`ENTRY/FILE`) this is: when the source is still the catalog's, its
    /// no-starvation claims also judge the mutants.
    catalog: Option<String>,
}

/// The configurations under which a catalog program, unedited (as the catalog has it or in
/// exercise mode's neutral form), starves no thread.
fn no_starvation_claims(id: Option<&str>, source: &str) -> Vec<lbos_vm::Config> {
    match id.and_then(lbos_catalog::find_program) {
        Some((e, i)) if e.programs[i].source == source || e.neutral(i).source == source => e
            .programs[i]
            .liveness
            .iter()
            .filter(|l| l.expect == "ok")
            .filter_map(|l| e.programs[i].liveness_config(l).ok())
            .collect(),
        _ => Vec::new(),
    }
}

async fn mutants_start(AxState(st): AxState<Shared>, Json(req): Json<MutantsRequest>) -> Response {
    if let Some(r) = check_source(&st.settings, &req.program) {
        return r;
    }
    let limits = check_limits(&st.settings, None, req.timeout_secs);
    let claims = no_starvation_claims(req.catalog.as_deref(), &req.program.source);
    let m = match load(req.program).await {
        Ok(m) => m,
        Err(r) => return r,
    };
    match st.checks.submit_mutants(m, claims, limits) {
        Ok(id) => (StatusCode::ACCEPTED, Json(json!({ "ok": true, "id": id }))).into_response(),
        Err(e) => error(StatusCode::TOO_MANY_REQUESTS, e),
    }
}

async fn check_poll(AxState(st): AxState<Shared>, Path(id): Path<u64>) -> Response {
    match st.checks.view(id) {
        Some(v) => Json(json!({ "ok": true, "job": v })).into_response(),
        None => error(StatusCode::NOT_FOUND, format!("no check {id}")),
    }
}

async fn check_cancel(AxState(st): AxState<Shared>, Path(id): Path<u64>) -> Response {
    if st.checks.cancel(id) {
        Json(json!({ "ok": true })).into_response()
    } else {
        error(StatusCode::NOT_FOUND, format!("no check {id}"))
    }
}

/// Opens a trace file: checks it fits the limits, loads its program with its configuration,
/// replays its path and answers with the program and the result, as `GET /api/check/{id}`
/// reports a finished check (the vm decides the verdict from the path, not the file).
async fn trace_file(AxState(st): AxState<Shared>, body: String) -> Response {
    let trace = match TraceFile::parse("the file", &body) {
        Ok(t) => t,
        Err(e) => {
            return error(
                StatusCode::UNPROCESSABLE_ENTITY,
                e.trim_start_matches("error: "),
            );
        }
    };
    let max_moves = st.settings.max_moves;
    if trace.path.len() > max_moves {
        return error(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "the trace has {} moves, more than the {max_moves} a schedule may have here (--max-moves); `lbos run --replay` steps through it",
                trace.path.len()
            ),
        );
    }
    let program = ProgramInput {
        name: Some(trace.program.clone()),
        source: trace.source.clone(),
        threads: trace.threads.iter().map(|t| t.to_string()).collect(),
        semaphores: Some(trace.semaphores.as_str().to_string()),
    };
    if let Some(r) = check_source(&st.settings, &program) {
        return r;
    }
    let m = match load(program.clone()).await {
        Ok(m) => m,
        Err(r) => return r,
    };
    let limits = ResultLimits {
        shown_steps: crate::checks::EXPLAINED_STEPS,
        max_path: max_moves,
    };
    let result = tokio::task::spawn_blocking(move || trace.result(&m, limits)).await;
    match result {
        Ok(Ok(result)) => Json(json!({
            "ok": true,
            "program": {
                "name": program.name, "title": program.name, "source": program.source,
                "threads": program.threads, "semaphores": program.semaphores,
            },
            "report": ReportView { result, cancelled: false },
        }))
        .into_response(),
        Ok(Err(e)) => error(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("the trace does not fit its program: {e}"),
        ),
        Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
    }
}

#[derive(Deserialize)]
struct SaveRequest {
    #[serde(flatten)]
    program: ProgramInput,
    #[serde(default)]
    moves: Vec<Move>,
}

/// Writes a schedule of the page as a trace file (the same format `lbos check --trace-out`
/// writes), after checking that every move can be made.
async fn trace_save(AxState(st): AxState<Shared>, Json(req): Json<SaveRequest>) -> Response {
    if let Some(r) = check_source(&st.settings, &req.program) {
        return r;
    }
    if req.moves.len() > st.settings.max_moves {
        return error(StatusCode::PAYLOAD_TOO_LARGE, "too many moves");
    }
    // `load` has accepted these settings, so they parse.
    let threads: Vec<lbos_vm::ThreadSpec> = req
        .program
        .threads
        .iter()
        .filter_map(|t| t.parse().ok())
        .collect();
    let semaphores = req
        .program
        .semaphores
        .as_deref()
        .and_then(|s| s.parse().ok())
        .unwrap_or_default();
    let name = req
        .program
        .name
        .clone()
        .unwrap_or_else(|| "program.sync".into());
    let m = match load(req.program).await {
        Ok(m) => m,
        Err(r) => return r,
    };
    let made = tokio::task::spawn_blocking(move || {
        // A path whose last move faults is a counterexample: it is saved whole.
        lbos_vm::present::replay_path(&m, &req.moves)?;
        let trace = TraceFile::from_path(&m, &name, &threads, semaphores, req.moves);
        Ok::<_, String>(trace.to_json())
    })
    .await;
    match made {
        Ok(Ok(text)) => ([(header::CONTENT_TYPE, "application/json")], text).into_response(),
        Ok(Err(e)) => error(StatusCode::CONFLICT, e),
        Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_an_unedited_catalog_program_brings_its_no_starvation_claims() {
        let p = lbos_catalog::find("readers-writers")
            .and_then(|e| e.program("rw-no-starve"))
            .unwrap();
        let oks = p.liveness.iter().filter(|l| l.expect == "ok").count();
        assert!(oks > 0);
        let id = Some("readers-writers/rw-no-starve");
        assert_eq!(no_starvation_claims(id, &p.source).len(), oks);
        let edited = format!("{}\n# edited\n", p.source);
        assert!(no_starvation_claims(id, &edited).is_empty());
        assert!(no_starvation_claims(None, &p.source).is_empty());
        assert!(no_starvation_claims(Some("no-such/entry"), &p.source).is_empty());
        assert!(no_starvation_claims(Some("noslash"), &p.source).is_empty());
        // Exercise mode's neutral form (by its neutral id or the real one) is unedited too.
        let (e, i) = lbos_catalog::find_program("readers-writers/rw-no-starve").unwrap();
        let neutral = e.neutral(i);
        assert_eq!(
            no_starvation_claims(Some(&neutral.id), &neutral.source).len(),
            oks
        );
        assert_eq!(no_starvation_claims(id, &neutral.source).len(), oks);
        assert!(no_starvation_claims(Some(&neutral.id), &edited).is_empty());
    }
}
