//! Every bad input gets a located error with a hint; nothing panics.

use lbos_lang::compile;
use proptest::prelude::*;

fn first_error(src: &str) -> lbos_lang::Diagnostic {
    compile(src).expect_err("should not compile").0.remove(0)
}

#[test]
fn double_slash_comment_gets_a_hint() {
    let d = first_error("x = 0\n## Thread\n// critical section\n");
    assert_eq!((d.line, d.column), (3, 1));
    assert!(d.hint.unwrap().contains("start comments with `#`"));
}

#[test]
fn division_is_rejected_with_a_hint() {
    let d = first_error("x = 4\n## Thread\ny = x / 2\n");
    assert_eq!((d.line, d.column), (3, 7));
    assert!(d.hint.unwrap().contains("//"));
}

#[test]
fn tabs_mixed_with_spaces_at_a_block_boundary() {
    let d = first_error("x = 0\n## Thread\nif x == 0:\n    pass\n\telse:\n    pass\n");
    assert_eq!(d.line, 5);
    assert!(d.message.contains("else"), "{}", d.message);
    assert!(d.hint.unwrap().contains("tabs and spaces"));
}

#[test]
fn missing_colon_and_empty_block() {
    let d = first_error("## Thread\nif True\n    pass\n");
    assert_eq!(d.line, 2);
    assert!(d.message.contains("`:`"), "{}", d.message);
    let d = first_error("## Thread\nwhile True:\npass\n");
    assert!(
        d.message
            .contains("expected an indented block after `while`"),
        "{}",
        d.message
    );
}

#[test]
fn unknown_names_suggest_a_close_one() {
    let d = first_error("forks = [1, 2]\n## Thread\nx = fork[0]\n");
    assert_eq!((d.line, d.column), (3, 5));
    assert_eq!(d.hint.as_deref(), Some("did you mean `forks`?"));
}

#[test]
fn python_only_constructs_are_explained() {
    for (src, needle) in [
        ("## Thread\nfor i in range(3):\n    pass\n", "while"),
        ("## Thread\nlocal x\n", "self.x"),
        ("class A:\n    pass\n", "built in"),
        ("## Thread\nx = 1; y = 2\n", "one statement per row"),
        ("## Thread\nif x = 1:\n    pass\n", "=="),
        (
            "s = Semaphore(1)\n## Thread\nx = s.wait()\n",
            "statement of its own",
        ),
        ("## Thread\nreturn 3\n", "balk"),
        ("## Thread\nbreak\n", ""),
        ("## Thread\nx = 'abc\n", "close the string"),
        ("## Thread\nx = 1.5\n", "integers"),
        ("## Thread\nif True: pass\nelse:\n    pass\n", "one-line"),
        ("## Thread\nx = true\n", "True"),
        ("x = 0\n## Thread\nx = 1 < 2 < 3\n", "and"),
    ] {
        let d = first_error(src);
        let text = format!("{} {}", d.message, d.hint.clone().unwrap_or_default());
        assert!(text.contains(needle), "{src:?}: {text}");
        assert!(d.line >= 1 && d.column >= 1);
    }
}

#[test]
fn rendering_shows_the_file_line_and_a_caret() {
    let src = "x = 4\n## Thread\ny = x / 2\n";
    let text = compile(src).unwrap_err().render("prog.sync", src);
    assert!(text.contains("--> prog.sync:3:7"), "{text}");
    assert!(text.contains("3 | y = x / 2"), "{text}");
    assert!(text.contains("|       ^"), "{text}");
    assert!(text.contains("hint:"), "{text}");
}

#[test]
fn headers_columns_counts_and_invariants() {
    let p = compile("# comment\n## initialization\nx = 0\n## Thread A\npass\n##Thread B x3\npass\n## thread\npass\n## Invariant\nx >= 0\n# not an invariant\n").unwrap();
    let names: Vec<(&str, u32)> = p
        .columns
        .iter()
        .map(|c| (c.name.as_str(), c.instances))
        .collect();
    assert_eq!(names, vec![("A", 1), ("B", 3), ("", 1)]);
    assert_eq!(p.invariants.len(), 1);
    assert_eq!(p.invariants[0].text, "x >= 0");
    assert_eq!(p.column_label(2), "Thread 3");
    // Comment rows are rows (steps); hidden `##` lines are not.
    assert_eq!(p.rows.iter().filter(|r| r.is_step).count(), 3);
}

#[test]
fn a_plain_python_file_is_refused() {
    let src = "def pairiter(seq):\n    it = iter(seq)\n    while True:\n        yield [it.next(), it.next()]\n";
    let errs = compile(src).unwrap_err();
    assert!(
        errs.0
            .iter()
            .any(|d| d.line == 4 && d.hint.as_deref().is_some_and(|h| h.contains("Python"))),
        "{errs}"
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn arbitrary_text_never_panics(src in "\\PC{0,200}") {
        let _ = compile(&src);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let _ = compile(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn sync_like_lines_never_panic(lines in proptest::collection::vec(
        prop_oneof![
            Just("## Thread".to_string()), Just("## Invariant".to_string()), Just("    ".to_string()),
            Just("if x:".to_string()), Just("else:".to_string()), Just("elif y:".to_string()), Just("while x < 3:".to_string()),
            Just("def f(a):".to_string()), Just("    return a".to_string()), Just("x = [i for i in range(3)]".to_string()),
            "[ a-z0-9=+\\-*/%<>():\\[\\].,'#\t]{0,30}",
        ], 0..25)) {
        let _ = compile(&lines.join("\n"));
    }
}

#[test]
fn a_one_line_if_may_assign() {
    let p = compile("full = False\nn = 0\n## Thread\nif n == 0: full = True\nif n < 2: n += 1\n");
    assert!(p.is_ok(), "{:?}", p.err());
}

#[test]
fn only_an_invariant_reads_a_semaphores_value() {
    let d = first_error("s = Semaphore(1)\nx = 0\n## Thread\nx = s.value\n");
    assert_eq!((d.line, d.column), (4, 7));
    assert!(d.message.contains("cannot be read by the program"));
    assert!(d.hint.unwrap().contains("## Invariant"));
    assert!(
        compile("s = Semaphore(1)\n## Thread\ns.wait()\ns.signal()\n## Invariant\ns.value <= 1\n")
            .is_ok()
    );
}
