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

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Phase {
    #[default]
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

    /// A job that ended before it could search.
    fn stopped(reason: &str, cancelled: bool) -> ReportView {
        ReportView {
            result: CheckResult::stopped(&CheckSettings::default(), reason),
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
    /// What the search covers: threads per column, semaphores, reductions.
    pub checked: Checked,
    /// For a mutation analysis: its report (when done).
    pub mutants: Option<MutantsView>,
    /// Seconds since the job was submitted.
    pub elapsed: f64,
}

/// What a check covers, for the verdict to say: "no violation" means nothing without it.
#[derive(Clone, Debug, Serialize)]
pub struct Checked {
    /// One per thread column: its label and the threads it starts with.
    pub columns: Vec<CheckedColumn>,
    /// `weak`, `fifo` or `strong`.
    pub semaphores: &'static str,
    pub dfs: bool,
    pub liveness: bool,
    /// Identical threads merged (off for the starvation search).
    pub symmetry: bool,
    /// Partial-order reduction (off for the starvation search).
    pub por: bool,
    /// `check` or `mutants`.
    pub kind: &'static str,
}

#[derive(Clone, Debug, Serialize)]
pub struct CheckedColumn {
    pub label: String,
    pub threads: u32,
}

impl Checked {
    fn new(m: &Machine, opts: &Options, kind: &'static str) -> Checked {
        let reduced = !opts.liveness;
        Checked {
            columns: m
                .counts
                .iter()
                .enumerate()
                .map(|(i, &threads)| CheckedColumn {
                    label: m.program.column_label(i),
                    threads,
                })
                .collect(),
            semaphores: m.config.semaphores.as_str(),
            dfs: opts.dfs,
            liveness: opts.liveness,
            symmetry: reduced && opts.symmetry,
            por: reduced && opts.por,
            kind,
        }
    }
}

/// A mutation analysis as the page shows it.
#[derive(Clone, Debug, Serialize)]
pub struct MutantsView {
    /// Mutants of the program in all (some may be unchecked when the time limit ended it).
    pub total: usize,
    pub killed: usize,
    pub survived: usize,
    pub unknown: usize,
    pub results: Vec<lbos_check::mutants::MutantResult>,
    pub cancelled: bool,
}

struct Job {
    stop: Arc<AtomicBool>,
    /// Set by a cancel (the stop flag is also raised by a mutation analysis's deadline).
    cancelled: AtomicBool,
    created: Instant,
    limits: Limits,
    checked: Checked,
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    phase: Phase,
    progress: Option<Stats>,
    report: Option<ReportView>,
    mutants: Option<MutantsView>,
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
        let opts = Options {
            dfs: settings.dfs,
            liveness: settings.liveness,
            ..Options::default()
        };
        let checked = Checked::new(&machine, &opts, "check");
        self.queue(
            limits,
            checked,
            move |job, limits, opts| {
                let report = lbos_check::check(&machine, opts);
                let cancelled = job.stop.load(Ordering::Relaxed);
                let view =
                    ReportView::new(&machine, &report, &settings, cancelled, limits.max_trace);
                job.lock().report = Some(view);
            },
            opts,
        )
    }

    /// Queues a mutation analysis of the program (`lbos_check::mutants`): every mutant checked
    /// with the limits, the whole analysis stopped by cancel or by the time limit (mutants not
    /// reached by then are not in the report).
    /// A mutant that passes is also checked for starvation under each of `no_starvation` (the
    /// catalog's claims that the original starves no thread), as `lbos catalog check` does.
    pub fn submit_mutants(
        &self,
        machine: Machine,
        no_starvation: Vec<lbos_vm::Config>,
        limits: Limits,
    ) -> Result<u64, String> {
        let opts = Options::default();
        let checked = Checked::new(&machine, &opts, "mutants");
        self.queue(
            limits,
            checked,
            move |job, limits, opts| {
                let total = lbos_lang::mutate::mutants(&machine.program).len();
                // One deadline for the whole analysis: each mutant's own search has the same
                // limit, and the watchdog stops the rest when it has passed.
                let stop = opts.stop.clone();
                let deadline = Duration::from_secs_f64(limits.timeout_secs);
                let (finished, watchdog_wait) = std::sync::mpsc::channel::<()>();
                let watchdog = std::thread::spawn(move || {
                    if watchdog_wait.recv_timeout(deadline).is_err() {
                        stop.store(true, Ordering::Relaxed);
                    }
                });
                let report = lbos_check::mutants::analyze(
                    &machine.program,
                    &machine.config,
                    &no_starvation,
                    opts,
                );
                let _ = finished.send(());
                let _ = watchdog.join();
                let view = MutantsView {
                    total,
                    killed: report.killed,
                    survived: report.survived,
                    unknown: report.unknown,
                    results: report.results,
                    cancelled: job.cancelled.load(Ordering::Relaxed),
                };
                job.lock().mutants = Some(view);
            },
            opts,
        )
    }

    /// Queues `work` to run on a thread of its own once a permit is free, with `opts` given
    /// the job's limits, stop flag and progress.
    fn queue(
        &self,
        limits: Limits,
        checked: Checked,
        work: impl FnOnce(&Job, &Limits, &Options) + Send + 'static,
        opts: Options,
    ) -> Result<u64, String> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let job = Arc::new(Job {
            stop: Arc::new(AtomicBool::new(false)),
            cancelled: AtomicBool::new(false),
            created: Instant::now(),
            limits: limits.clone(),
            checked,
            inner: Mutex::new(Inner::default()),
        });
        {
            let mut jobs = self.lock();
            let active = jobs
                .values()
                .filter(|j| j.lock().phase != Phase::Done)
                .count();
            if active >= self.max_queued {
                return Err(format!(
                    "{active} checks are running or waiting; try again when one has finished"
                ));
            }
            let finished: Vec<u64> = jobs
                .iter()
                .filter(|(_, j)| j.lock().phase == Phase::Done)
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
                let mut inner = job.lock();
                inner.phase = Phase::Done;
                inner.report = Some(ReportView::stopped("cancelled before it started", true));
                return;
            }
            job.lock().phase = Phase::Running;
            let progress_job = job.clone();
            let opts = Options {
                max_states: limits.max_states,
                max_memory_bytes: limits.max_memory_bytes,
                timeout: Some(Duration::from_secs_f64(limits.timeout_secs)),
                stop: job.stop.clone(),
                progress: Some(Arc::new(move |s: &Stats| {
                    progress_job.lock().progress = Some(s.clone());
                })),
                progress_interval: Duration::from_millis(200),
                ..opts
            };
            let worker = job.clone();
            let (done, finished) = tokio::sync::oneshot::channel();
            let spawned = std::thread::Builder::new()
                .name("lbos-check".into())
                .spawn(move || {
                    background_priority();
                    work(&worker, &limits, &opts);
                    let _ = done.send(());
                });
            let failure = match spawned {
                Ok(_) => finished
                    .await
                    .err()
                    .map(|_| "the check failed without a report".to_string()),
                Err(e) => Some(format!("cannot start the check: {e}")),
            };
            let mut inner = job.lock();
            inner.phase = Phase::Done;
            if let Some(e) = failure {
                inner.report = Some(ReportView::stopped(&e, false));
            }
        });
        Ok(id)
    }

    pub fn view(&self, id: u64) -> Option<JobView> {
        let job = self.lock().get(&id)?.clone();
        let inner = job.lock();
        Some(JobView {
            id,
            phase: inner.phase,
            progress: inner.progress.clone(),
            report: inner.report.clone(),
            limits: job.limits.clone(),
            checked: job.checked.clone(),
            mutants: inner.mutants.clone(),
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
                job.cancelled.store(true, Ordering::Relaxed);
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

impl Job {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}
