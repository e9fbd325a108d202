//! Check jobs: `lbos_check::check` on a thread of its own at a lower priority than the server's,
//! at most `max_checks` at once (a tokio semaphore), each with its own limits and a stop flag
//! for cancel. The page polls a job for progress and its report.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use lbos_check::{Options, Report, Stats};
use lbos_vm::Machine;
use serde::Serialize;
use tokio::sync::Semaphore;

use crate::replay::{FaultView, Move};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Phase {
    Queued,
    Running,
    Done,
}

#[derive(Clone, Debug, Serialize)]
pub struct Limits {
    pub max_states: u64,
    pub timeout_secs: f64,
    pub max_memory_bytes: u64,
    /// The longest counterexample sent as moves: the most a view request may replay.
    pub max_trace: usize,
}

#[derive(Clone, Debug, Serialize)]
pub struct ReportView {
    pub verdict: &'static str,
    pub stats: Stats,
    pub dead_rows: Vec<u32>,
    pub incomplete_reason: Option<String>,
    pub fault: Option<FaultView>,
    /// The counterexample as moves from the initial state (none when it is longer than a
    /// view may replay: see `trace_note`).
    pub trace: Option<Vec<Move>>,
    /// Why a counterexample comes without its moves.
    pub trace_note: Option<String>,
    pub cancelled: bool,
    /// For the verdict `starvation`: the counterexample is a lasso, `trace[cycle_start..]`
    /// its cycle, which leads back to the state before it and repeats forever.
    pub cycle_start: Option<usize>,
    /// For the verdict `starvation`: who starves and where it stands when the cycle starts.
    pub starving: Option<StarvingView>,
}

#[derive(Clone, Debug, Serialize)]
pub struct StarvingView {
    pub thread: u32,
    pub position: lbos_vm::describe::Position,
    /// Every thread that can starve (the first of a group of interchangeable threads).
    pub threads: Vec<String>,
}

/// Who starves on the lasso of `r`, and where: replays its prefix.
fn starving_view(m: &Machine, r: &Report) -> Option<StarvingView> {
    let st = r.starvation.as_ref()?;
    let trace = &r.violation.as_ref()?.trace;
    let mut state = m.initial_state().clone();
    for tr in &trace[..st.cycle_start] {
        state = m.apply(&state, tr).ok()?.outcome.ok()?;
    }
    Some(StarvingView {
        thread: st.thread,
        position: lbos_vm::describe::position(m, &state, st.thread),
        threads: st
            .threads
            .iter()
            .map(|&t| m.thread_name(t).to_string())
            .collect(),
    })
}

impl ReportView {
    fn new(m: &Machine, r: &Report, cancelled: bool, max_trace: usize) -> ReportView {
        let v = r.violation.as_ref();
        // A depth-first counterexample can be millions of steps: every poll would carry it,
        // and no view could replay it.
        let (trace, trace_note) = match v {
            Some(v) if v.trace.len() > max_trace => (
                None,
                Some(format!(
                    "the counterexample has {} steps, more than the {max_trace} a schedule may have here (--max-moves); `lbos check --trace-out` writes it and `lbos run --replay` steps through it",
                    v.trace.len()
                )),
            ),
            Some(v) => (
                Some(v.trace.iter().map(Move::from_transition).collect()),
                None,
            ),
            None => (None, None),
        };
        ReportView {
            verdict: r.verdict.as_str(),
            stats: r.stats.clone(),
            dead_rows: r.dead_rows.clone(),
            incomplete_reason: r.incomplete_reason.clone(),
            fault: v.and_then(|v| v.fault.as_ref()).map(fault_view),
            trace,
            trace_note,
            cancelled,
            cycle_start: r.starvation.as_ref().map(|s| s.cycle_start),
            starving: starving_view(m, r),
        }
    }
}

impl ReportView {
    fn stopped(reason: &str, cancelled: bool) -> ReportView {
        ReportView {
            verdict: "incomplete",
            stats: Stats::default(),
            dead_rows: Vec::new(),
            incomplete_reason: Some(reason.to_string()),
            fault: None,
            trace: None,
            trace_note: None,
            cancelled,
            cycle_start: None,
            starving: None,
        }
    }
}

fn fault_view(f: &lbos_vm::Fault) -> FaultView {
    FaultView {
        kind: format!("{:?}", f.kind).to_lowercase(),
        thread: f.thread,
        line: f.line,
        message: f.message.clone(),
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct JobView {
    pub id: u64,
    pub phase: Phase,
    pub progress: Option<Stats>,
    pub report: Option<ReportView>,
    pub limits: Limits,
    /// Seconds since the job was submitted.
    pub elapsed: f64,
}

struct Job {
    stop: Arc<AtomicBool>,
    created: Instant,
    limits: Limits,
    inner: Mutex<(Phase, Option<Stats>, Option<ReportView>)>,
}

pub struct Checks {
    permits: Arc<Semaphore>,
    max_queued: usize,
    next_id: AtomicU64,
    jobs: Mutex<BTreeMap<u64, Arc<Job>>>,
}

/// Finished jobs kept for polling; older ones are forgotten.
const KEEP_FINISHED: usize = 64;

impl Checks {
    pub fn new(max_checks: usize, max_queued: usize) -> Checks {
        Checks {
            permits: Arc::new(Semaphore::new(max_checks.clamp(1, Semaphore::MAX_PERMITS))),
            max_queued: max_queued.max(1),
            next_id: AtomicU64::new(1),
            jobs: Mutex::new(BTreeMap::new()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<u64, Arc<Job>>> {
        self.jobs.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Queues a check (with `liveness`, also for starvation). Errors when too many are
    /// waiting or running.
    pub fn submit(
        &self,
        machine: Machine,
        limits: Limits,
        dfs: bool,
        liveness: bool,
    ) -> Result<u64, String> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let job = Arc::new(Job {
            stop: Arc::new(AtomicBool::new(false)),
            created: Instant::now(),
            limits: limits.clone(),
            inner: Mutex::new((Phase::Queued, None, None)),
        });
        {
            let mut jobs = self.lock();
            let active = jobs
                .values()
                .filter(|j| job_phase(j) != Phase::Done)
                .count();
            if active >= self.max_queued {
                return Err(format!(
                    "{active} checks are running or waiting; try again when one has finished"
                ));
            }
            let finished: Vec<u64> = jobs
                .iter()
                .filter(|(_, j)| job_phase(j) == Phase::Done)
                .map(|(k, _)| *k)
                .collect();
            if finished.len() > KEEP_FINISHED {
                for k in &finished[..finished.len() - KEEP_FINISHED] {
                    jobs.remove(k);
                }
            }
            jobs.insert(id, job.clone());
        }
        let permits = self.permits.clone();
        tokio::spawn(async move {
            let Ok(_permit) = permits.acquire_owned().await else {
                return;
            };
            if job.stop.load(Ordering::Relaxed) {
                let mut inner = job.inner.lock().unwrap_or_else(|e| e.into_inner());
                inner.0 = Phase::Done;
                inner.2 = Some(ReportView::stopped("cancelled before it started", true));
                return;
            }
            set_phase(&job, Phase::Running);
            let progress_job = job.clone();
            let opts = Options {
                dfs,
                max_states: limits.max_states,
                max_memory_bytes: limits.max_memory_bytes,
                timeout: Some(Duration::from_secs_f64(limits.timeout_secs)),
                stop: job.stop.clone(),
                progress: Some(Arc::new(move |s: &Stats| {
                    let mut inner = progress_job.inner.lock().unwrap_or_else(|e| e.into_inner());
                    inner.1 = Some(s.clone());
                })),
                progress_interval: Duration::from_millis(200),
                liveness,
                ..Options::default()
            };
            let worker = job.clone();
            let (done, report) = tokio::sync::oneshot::channel();
            let spawned = std::thread::Builder::new()
                .name("lbos-check".into())
                .spawn(move || {
                    background_priority();
                    let report = lbos_check::check(&machine, &opts);
                    let cancelled = worker.stop.load(Ordering::Relaxed);
                    let _ = done.send(ReportView::new(
                        &machine,
                        &report,
                        cancelled,
                        limits.max_trace,
                    ));
                });
            let result = match spawned {
                Ok(_) => report
                    .await
                    .map_err(|_| "the check failed without a report".to_string()),
                Err(e) => Err(format!("cannot start the check: {e}")),
            };
            let mut inner = job.inner.lock().unwrap_or_else(|e| e.into_inner());
            inner.0 = Phase::Done;
            inner.2 = Some(match result {
                Ok(r) => r,
                Err(e) => ReportView::stopped(&e, false),
            });
        });
        Ok(id)
    }

    pub fn view(&self, id: u64) -> Option<JobView> {
        let job = self.lock().get(&id)?.clone();
        let inner = job.inner.lock().unwrap_or_else(|e| e.into_inner());
        Some(JobView {
            id,
            phase: inner.0,
            progress: inner.1.clone(),
            report: inner.2.clone(),
            limits: job.limits.clone(),
            elapsed: job.created.elapsed().as_secs_f64(),
        })
    }

    /// Stops every check (when the server shuts down).
    pub fn cancel_all(&self) {
        for job in self.lock().values() {
            job.stop.store(true, Ordering::Relaxed);
        }
    }

    pub fn cancel(&self, id: u64) -> bool {
        match self.lock().get(&id) {
            Some(job) => {
                job.stop.store(true, Ordering::Relaxed);
                true
            }
            None => false,
        }
    }
}

/// Runs the calling thread below the server's own: a check may keep every core busy for
/// minutes, and the page's requests must still be answered at once. The search threads a check
/// starts inherit this. (On Linux the nice value is per thread; elsewhere it would be the whole
/// process's, so nothing is done there.)
fn background_priority() {
    #[cfg(target_os = "linux")]
    // SAFETY: setpriority reads no memory of ours; with PRIO_PROCESS and 0 it changes the nice
    // value of the calling thread only (see setpriority(2), "BUGS"). Failure leaves it as it was.
    unsafe {
        libc::setpriority(libc::PRIO_PROCESS, 0, 10);
    }
}

fn job_phase(job: &Job) -> Phase {
    job.inner.lock().unwrap_or_else(|e| e.into_inner()).0
}

fn set_phase(job: &Job, phase: Phase) {
    job.inner.lock().unwrap_or_else(|e| e.into_inner()).0 = phase;
}
