//! # lbos-catalog: the book's problems, embedded
//!
//! Owns reading the `catalog/` folder (embedded at build time, so the binary needs no files):
//! each entry's statement, properties and programs with their expected verdicts. It must not
//! check anything itself; `lbos catalog check` runs the checker over these programs. It also
//! owns exercise mode's neutral names of the programs ([`Entry::neutral`]).

use std::sync::OnceLock;

mod exercise;
pub use exercise::{Neutral, find_program, neutral_source};

use include_dir::{Dir, include_dir};
use serde::{Deserialize, Serialize};

static CATALOG: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/../../catalog");

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    Solution,
    NonSolution,
    Corrected,
    Statement,
}

impl Kind {
    pub fn as_str(&self) -> &'static str {
        match self {
            Kind::Solution => "solution",
            Kind::NonSolution => "non-solution",
            Kind::Corrected => "corrected",
            Kind::Statement => "statement",
        }
    }
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ProgramEntry {
    pub file: String,
    pub title: String,
    pub kind: Kind,
    pub listing: String,
    /// `ok`, `deadlock`, `assertion`, `invariant` or `error`.
    pub expect: String,
    /// A text the violation must mention (assert message, invariant, semaphore name).
    #[serde(default)]
    pub reason: Option<String>,
    /// `weak` or `fifo`.
    #[serde(default)]
    pub semaphores: Option<String>,
    /// Extra `--threads` settings.
    #[serde(default)]
    pub threads: Vec<String>,
    #[serde(default)]
    pub note: Option<String>,
    /// Why rows of this program may be unreachable (otherwise a passing program must have none).
    #[serde(default)]
    pub dead_rows_ok: Option<String>,
    /// Starvation claims about this program, each checked with `lbos check --liveness`.
    #[serde(default)]
    pub liveness: Vec<LivenessEntry>,
    /// Mutants (by id, e.g. `delete L12`, see `lbos mutate`) that pass the checker, each with
    /// why: a statement that matters only for liveness, or a property the book does not claim.
    #[serde(default)]
    pub survivors: std::collections::BTreeMap<String, String>,
    /// Mutants (by id) that no check decides within the per-mutant limits, each with why no
    /// size decides it (typically a deleted `wait` that lets a semaphore's count grow without
    /// bound, which no property of the program can read). Checked like `survivors`: an
    /// undecided mutant must be listed, and a listed one must be undecided.
    #[serde(default)]
    pub undecided: std::collections::BTreeMap<String, String>,
    /// The per-mutant state limit of `catalog check --mutants` for this program (default:
    /// five times the largest space of the program and its claims, at least 100,000).
    #[serde(default)]
    pub mutant_max_states: Option<u64>,
    /// The program text (filled in from the file).
    #[serde(skip_deserializing)]
    pub source: String,
}

/// A starvation claim: under this semaphore model, exactly these columns can starve.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct LivenessEntry {
    /// `weak`, `fifo` or `strong` (the book's strong semaphores: fair wake-ups).
    pub semaphores: String,
    /// `ok` (no thread starves) or `starvation`.
    pub expect: String,
    /// For `starvation`: the columns (names as in the headers) that have a thread that can
    /// starve; exactly these.
    #[serde(default)]
    pub starves: Vec<String>,
    /// `--threads` settings after the program's own (a smaller size for the liveness check).
    #[serde(default)]
    pub threads: Vec<String>,
    /// The book's claim this checks, or why the verdict is what it is.
    #[serde(default)]
    pub note: Option<String>,
}

fn thread_specs(specs: &[String]) -> Result<Vec<lbos_vm::ThreadSpec>, String> {
    specs.iter().map(|t| t.parse()).collect()
}

impl ProgramEntry {
    /// The run configuration this program is checked with (its thread counts and semaphores).
    pub fn config(&self) -> Result<lbos_vm::Config, String> {
        let semaphores = match self.semaphores.as_deref() {
            None => lbos_vm::SemaphoreModel::Weak,
            Some(s) => s.parse()?,
        };
        Ok(lbos_vm::Config {
            threads: thread_specs(&self.threads)?,
            semaphores,
            ..lbos_vm::Config::default()
        })
    }

    /// The configuration of one of its liveness claims: the program's thread settings, then
    /// the claim's, and the claim's semaphores.
    pub fn liveness_config(&self, l: &LivenessEntry) -> Result<lbos_vm::Config, String> {
        let mut threads = thread_specs(&self.threads)?;
        threads.extend(thread_specs(&l.threads)?);
        Ok(lbos_vm::Config {
            threads,
            semaphores: l.semaphores.parse()?,
            ..lbos_vm::Config::default()
        })
    }
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub name: String,
    pub title: String,
    pub section: String,
    pub statement: String,
    #[serde(default)]
    pub properties: Vec<String>,
    /// The book's starvation claims in words; each program's `liveness` list checks them.
    #[serde(default)]
    pub liveness: Vec<String>,
    #[serde(default)]
    pub checked_with: Option<String>,
    #[serde(rename = "program", default)]
    pub programs: Vec<ProgramEntry>,
}

impl Entry {
    /// Chapter number from the section (`"4.2"` → 4).
    pub fn chapter(&self) -> u32 {
        self.section
            .split('.')
            .next()
            .and_then(|c| c.parse().ok())
            .unwrap_or(0)
    }

    pub fn program(&self, file: &str) -> Option<&ProgramEntry> {
        self.programs
            .iter()
            .find(|p| p.file == file || p.file.trim_end_matches(".sync") == file)
    }
}

fn section_key(s: &str) -> Vec<u32> {
    s.split('.').map(|p| p.parse().unwrap_or(0)).collect()
}

/// Parses the embedded catalog. Errors name the file.
pub fn load() -> Result<Vec<Entry>, String> {
    let mut entries = Vec::new();
    for dir in CATALOG.dirs() {
        let name = dir.path().display().to_string();
        let Some(toml_file) = dir.get_file(dir.path().join("entry.toml")) else {
            continue;
        };
        let text = toml_file
            .contents_utf8()
            .ok_or_else(|| format!("catalog/{name}/entry.toml is not UTF-8"))?;
        let mut entry: Entry =
            toml::from_str(text).map_err(|e| format!("catalog/{name}/entry.toml: {e}"))?;
        if entry.name != name {
            return Err(format!(
                "catalog/{name}/entry.toml: name is `{}`, expected `{name}`",
                entry.name
            ));
        }
        for p in &mut entry.programs {
            let f = dir.get_file(dir.path().join(&p.file)).ok_or_else(|| {
                format!(
                    "catalog/{name}/entry.toml names {}, which does not exist",
                    p.file
                )
            })?;
            p.source = f
                .contents_utf8()
                .ok_or_else(|| format!("catalog/{name}/{} is not UTF-8", p.file))?
                .to_string();
        }
        entries.push(entry);
    }
    entries.sort_by(|a, b| {
        section_key(&a.section)
            .cmp(&section_key(&b.section))
            .then(a.name.cmp(&b.name))
    });
    Ok(entries)
}

/// The embedded catalog, parsed once. Panics only if the embedded files are malformed, which
/// the test suite rules out.
pub fn entries() -> &'static [Entry] {
    static ENTRIES: OnceLock<Vec<Entry>> = OnceLock::new();
    ENTRIES
        .get_or_init(|| load().unwrap_or_else(|e| panic!("the embedded catalog is malformed: {e}")))
}

pub fn find(name: &str) -> Option<&'static Entry> {
    entries().iter().find(|e| e.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalog_parses_and_is_in_book_order() {
        let entries = load().expect("catalog parses");
        assert!(entries.len() >= 10, "only {} entries", entries.len());
        for w in entries.windows(2) {
            assert!(section_key(&w[0].section) <= section_key(&w[1].section));
        }
        for e in &entries {
            assert!(!e.programs.is_empty(), "{} has no programs", e.name);
            for p in &e.programs {
                assert!(
                    matches!(
                        p.expect.as_str(),
                        "ok" | "deadlock" | "assertion" | "invariant" | "error"
                    ),
                    "{}/{}: expect {}",
                    e.name,
                    p.file,
                    p.expect
                );
                assert!(!p.source.is_empty());
                for l in &p.liveness {
                    let what = format!("{}/{} liveness ({})", e.name, p.file, l.semaphores);
                    p.liveness_config(l)
                        .unwrap_or_else(|err| panic!("{what}: {err}"));
                    match l.expect.as_str() {
                        "ok" => assert!(l.starves.is_empty(), "{what}: ok names starving columns"),
                        "starvation" => {
                            assert!(!l.starves.is_empty(), "{what}: say which columns starve")
                        }
                        other => panic!("{what}: expect {other}, not ok or starvation"),
                    }
                }
            }
        }
    }
}
