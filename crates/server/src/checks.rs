//! Check jobs: `lbos_check::check` on a thread of its own at a lower priority than the server's,
//! at most `max_checks` at once (a tokio semaphore), each with its own limits and a stop flag
//! for cancel. The page polls a job for progress and its report.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use lbos_check::present::{self, CheckResult, CheckSettings, ResultLimits};
use lbos_check::{Options, Report, Stats};
use lbos_vm::Machine;
use serde::Serialize;
use tokio::sync::Semaphore;

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

/// A finished check: its result as `lbos check --json` gives it (the counterexample as a
/// path to replay, explained up to [`EXPLAINED_STEPS`] steps), and whether it was cancelled.
#[derive(Clone, Debug, Serialize)]
pub struct ReportView {
    #[serde(flatten)]
    pub result: CheckResult,
    pub cancelled: bool,
}

/// The most counterexample steps a report explains: the page replays the path through
/// `/api/view` for its own explanation, and every poll carries the report.
pub const EXPLAINED_STEPS: usize = 100;

impl ReportView {
    fn new(
        m: &Machine,
        r: &Report,
        settings: &CheckSettings,
        cancelled: bool,
        max_trace: usize,
    ) -> ReportView {
        // A depth-first counterexample can be millions of steps: every poll would carry it,
        // and no view could replay it.
        let limits = ResultLimits {
            shown_steps: EXPLAINED_STEPS,
            max_path: max_trace,
        };
        ReportView {
            result: present::check_result(m, r, settings, limits),
            cancelled,
        }
    }

    fn stopped(settings: &CheckSettings, reason: &str, cancelled: bool) -> ReportView {
        ReportView {
            result: CheckResult::stopped(settings, reason),
            cancelled,
        }
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
        settings: CheckSettings,
    ) -> Result<u64, String> {
        let (dfs, liveness) = (settings.dfs, settings.liveness);
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
                inner.2 = Some(ReportView::stopped(
                    &settings,
                    "cancelled before it started",
                    true,
                ));
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
            let worker_settings = settings.clone();
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
                        &worker_settings,
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
                Err(e) => ReportView::stopped(&settings, &e, false),
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
