//! `lbos catalog`: list, show, export, and check against expected verdicts.

use std::process::{Command, Output};

fn lbos(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lbos"))
        .args(args)
        .output()
        .expect("lbos runs")
}

fn out(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn list_is_in_book_order_by_chapter() {
    let o = lbos(&["catalog"]);
    assert_eq!(o.status.code(), Some(0));
    let t = out(&o);
    let pos = |s: &str| t.find(s).unwrap_or_else(|| panic!("{s} missing:\n{t}"));
    assert!(pos("Chapter 3") < pos("barrier") && pos("barrier") < pos("Chapter 4"));
    assert!(pos("readers-writers") < pos("dining-philosophers"));
    assert!(pos("Chapter 8") < pos("coke-machine"));
}

#[test]
fn show_prints_the_statement_and_expected_verdicts() {
    let o = lbos(&["catalog", "show", "barrier"]);
    assert_eq!(o.status.code(), Some(0));
    let t = out(&o);
    assert!(t.contains("Barrier (barrier, section 3.6)"), "{t}");
    assert!(
        t.contains("barrier-deadlock.sync") && t.contains("expect deadlock"),
        "{t}"
    );
    let o = lbos(&["catalog", "show", "barier"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(out(&o).contains("no catalog entry `barier`"), "{}", out(&o));
}

#[test]
fn exported_programs_check_like_the_catalog_says() {
    let dir = std::env::temp_dir().join(format!("lbos-export-{}", std::process::id()));
    let d = dir.to_str().unwrap();
    let o = lbos(&["catalog", "export", "barrier", d]);
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    let o = lbos(&["check", dir.join("barrier-deadlock.sync").to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(out(&o).contains("verdict: deadlock"));
    let o = lbos(&["check", dir.join("barrier.sync").to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
}

#[test]
fn check_of_named_entries_prints_the_table() {
    let o = lbos(&["catalog", "check", "signaling", "rendezvous", "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    let rows: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let rows = rows.as_array().unwrap();
    assert!(rows.len() >= 4);
    assert!(rows.iter().all(|r| r["matched"] == true));
    let deadlock = rows
        .iter()
        .find(|r| r["expected"] == "deadlock")
        .expect("the rendezvous deadlock");
    assert_eq!(deadlock["got"], "deadlock");
}
