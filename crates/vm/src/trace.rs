//! The trace file: a program's configuration plus a list of transitions. `lbos check
//! --trace-out` writes it, `lbos run --replay` and the web UI read it. A path is only a list of
//! transitions because the successor function is deterministic given the choices. A starvation
//! counterexample is a lasso: the trace plus where its cycle starts.

use serde::{Deserialize, Serialize};

use crate::{SemaphoreModel, ThreadSpec, Transition};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TraceFile {
    /// Format version (1).
    pub lbos_trace: u32,
    /// The program's file name, for people.
    pub program: String,
    /// The program's text, so that a replay can tell when the file has changed since.
    pub source: String,
    #[serde(default)]
    pub threads: Vec<ThreadSpec>,
    #[serde(default)]
    pub semaphores: SemaphoreModel,
    /// The verdict the trace leads to (`deadlock`, `assertion`, ...), if it came from a check.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verdict: Option<String>,
    pub transitions: Vec<Transition>,
    /// For a starvation (a lasso): the transitions from this index on are a cycle that leads
    /// back to the state before them and repeats forever.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cycle_start: Option<usize>,
    /// For a starvation: the thread that starves.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub starving: Option<u32>,
}
