//! How a program is instantiated: thread counts per column and the semaphore model.

use lbos_lang::Program;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// One `--threads` setting: `N` for every column or `COLUMN=N` for one (by name or 1-based number).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ThreadSpec {
    All(u32),
    Column(String, u32),
}

impl FromStr for ThreadSpec {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let parse_n = |n: &str| {
            n.trim().parse::<u32>().map_err(|_| {
                format!(
                    "`{n}` is not a thread count (expected a whole number, e.g. `3` or `reader=2`)"
                )
            })
        };
        match s.rsplit_once('=') {
            Some((col, n)) => Ok(ThreadSpec::Column(col.trim().to_string(), parse_n(n)?)),
            None => Ok(ThreadSpec::All(parse_n(s)?)),
        }
    }
}

impl fmt::Display for ThreadSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ThreadSpec::All(n) => write!(f, "{n}"),
            ThreadSpec::Column(c, n) => write!(f, "{c}={n}"),
        }
    }
}

/// How plain `Semaphore`s behave.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SemaphoreModel {
    /// Each semaphore follows its kind: `Semaphore` weak, `FifoSemaphore` FIFO.
    #[default]
    Weak,
    /// Every semaphore wakes its longest waiter.
    Fifo,
}

impl FromStr for SemaphoreModel {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "weak" => Ok(SemaphoreModel::Weak),
            "fifo" => Ok(SemaphoreModel::Fifo),
            _ => Err(format!(
                "`{s}` is not a semaphore model (expected `weak` or `fifo`)"
            )),
        }
    }
}

/// Limits that keep a program from growing without bound inside one state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Limits {
    pub max_threads: u32,
    pub max_list_len: usize,
    pub max_objects: usize,
    pub max_call_depth: usize,
    pub max_init_steps: u32,
    /// Work one step may do (see [`crate::budget`]).
    pub max_step_work: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_threads: 64,
            max_list_len: 10_000,
            max_objects: 100_000,
            max_call_depth: 200,
            max_init_steps: 1_000_000,
            max_step_work: 10_000_000,
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Config {
    pub threads: Vec<ThreadSpec>,
    pub semaphores: SemaphoreModel,
    pub limits: Limits,
}

/// Resolves the thread count of every column: header `xN`, then each spec in order.
pub fn thread_counts(program: &Program, specs: &[ThreadSpec]) -> Result<Vec<u32>, String> {
    let mut counts: Vec<u32> = program.columns.iter().map(|c| c.instances).collect();
    for spec in specs {
        match spec {
            ThreadSpec::All(n) => counts.iter_mut().for_each(|c| *c = *n),
            ThreadSpec::Column(col, n) => {
                let by_name: Vec<usize> = program
                    .columns
                    .iter()
                    .enumerate()
                    .filter(|(_, c)| c.name.eq_ignore_ascii_case(col))
                    .map(|(i, _)| i)
                    .collect();
                let i = match (by_name.as_slice(), col.parse::<usize>()) {
                    ([i], _) => *i,
                    ([], Ok(k)) if k >= 1 && k <= counts.len() => k - 1,
                    ([_, _, ..], _) => {
                        return Err(format!(
                            "several columns are named `{col}`; name the column by its number (1 to {})",
                            counts.len()
                        ));
                    }
                    _ => {
                        let names: Vec<String> = (0..program.columns.len())
                            .map(|i| format!("{} ({})", i + 1, program.column_label(i)))
                            .collect();
                        return Err(format!(
                            "no column `{col}`; the columns are: {}",
                            names.join(", ")
                        ));
                    }
                };
                counts[i] = *n;
            }
        }
    }
    Ok(counts)
}
