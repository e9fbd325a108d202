//! Hostile inputs to the front end: deep nesting and byte order marks get a located diagnostic
//! or a program, never a stack overflow.

use lbos_lang::{MAX_BLOCK_DEPTH, MAX_EXPR_DEPTH, compile};

fn first_error(src: &str) -> lbos_lang::Diagnostic {
    compile(src).expect_err("should not compile").0.remove(0)
}

/// Compiles on a thread with a 2 MiB stack: the size of the server's worker and blocking
/// threads, where a request's program is compiled.
fn compile_small_stack(src: String) -> Result<lbos_lang::Program, lbos_lang::Diagnostics> {
    std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || compile(&src))
        .unwrap()
        .join()
        .expect("compiling does not overflow a 2 MiB stack")
}

fn nested_parens(n: usize) -> String {
    format!(
        "x = {}1{}\n## Thread\nx += 1\n",
        "(".repeat(n),
        ")".repeat(n)
    )
}

#[test]
fn thousands_of_parentheses_are_refused_with_a_located_error() {
    for n in [900, 4000, 100_000] {
        let d = compile_small_stack(nested_parens(n))
            .expect_err("too deep")
            .0
            .remove(0);
        assert_eq!(d.line, 1);
        // `x = ` is 4 columns; the expression inside the MAX_EXPR_DEPTH-th `(` is one level
        // too deep (the whole right-hand side is the first level), and it starts after it.
        assert_eq!(d.column as usize, 4 + MAX_EXPR_DEPTH + 1);
        assert!(
            d.message.contains("expected a simpler expression"),
            "{}",
            d.message
        );
        assert!(
            d.message.contains(&MAX_EXPR_DEPTH.to_string()),
            "{}",
            d.message
        );
        assert!(
            d.hint
                .as_deref()
                .unwrap()
                .contains("intermediate variables")
        );
    }
}

#[test]
fn nesting_up_to_the_limit_compiles() {
    let p = compile_small_stack(nested_parens(MAX_EXPR_DEPTH - 1)).expect("compiles");
    assert_eq!(p.globals, vec!["x".to_string()]);
    compile_small_stack(nested_parens(MAX_EXPR_DEPTH)).expect_err("one level too deep");
}

#[test]
fn deep_prefix_operators_brackets_and_calls_are_refused() {
    let n = 5000;
    for src in [
        format!("x = {}True\n## Thread\npass\n", "not ".repeat(n)),
        format!("x = {}1\n## Thread\npass\n", "- ".repeat(n)),
        format!("x = {}1{}\n## Thread\npass\n", "[".repeat(n), "]".repeat(n)),
        format!(
            "x = {}1{}\n## Thread\npass\n",
            "len(".repeat(n),
            ")".repeat(n)
        ),
        format!("x = [1]\n## Thread\ny = x{}\n", "[0]".repeat(n)),
        format!(
            "x = 0\n## Thread\nif {}x == 0:\n    pass\n",
            "not ".repeat(n)
        ),
        format!("## Invariant\n{}True\n## Thread\npass\n", "not ".repeat(n)),
    ] {
        let d = compile_small_stack(src.clone())
            .expect_err("too deep")
            .0
            .remove(0);
        assert!(
            d.message.contains("expected a simpler expression"),
            "{}: {}",
            &src[..40],
            d.message
        );
        assert!(d.column >= 1 && d.line >= 1);
    }
}

#[test]
fn long_operator_chains_are_trees_as_deep_as_they_are_long() {
    // Parsed by a loop, but every later pass recurses down the left-deep tree.
    let d = compile_small_stack(format!("x = 1{}\n## Thread\npass\n", " + 1".repeat(10_000)))
        .expect_err("too deep")
        .0
        .remove(0);
    assert_eq!(d.line, 1);
    assert!(
        d.message.contains("expected a simpler expression"),
        "{}",
        d.message
    );
    // A chain well under the limit is an ordinary program.
    compile_small_stack(format!("x = 1{}\n## Thread\nx += 1\n", " + 1".repeat(150)))
        .expect("compiles");
}

fn nested_blocks(n: usize) -> String {
    let mut src = String::from("x = 0\n## Thread\n");
    for i in 0..n {
        src.push_str(&" ".repeat(i));
        src.push_str("if x == 0:\n");
    }
    src.push_str(&" ".repeat(n));
    src.push_str("x += 1\n");
    src
}

#[test]
fn deeply_nested_blocks_are_refused_with_a_located_error() {
    let d = compile_small_stack(nested_blocks(3000))
        .expect_err("too deep")
        .0
        .remove(0);
    // Line 3 holds the outermost `if`; the row inside MAX_BLOCK_DEPTH + 1 blocks is refused.
    assert_eq!(d.line as usize, 3 + MAX_BLOCK_DEPTH + 1);
    assert_eq!(d.column as usize, MAX_BLOCK_DEPTH + 2);
    assert!(d.message.contains("nested blocks"), "{}", d.message);
    assert!(d.hint.as_deref().unwrap().contains("procedure"));
    let p = compile_small_stack(nested_blocks(MAX_BLOCK_DEPTH)).expect("at the limit compiles");
    assert_eq!(p.columns.len(), 1);
}

#[test]
fn indentation_without_headers_is_not_nesting() {
    // Comment rows indented ever deeper open no block.
    let mut src = String::from("x = 0\n## Thread\n");
    for i in 0..(MAX_BLOCK_DEPTH * 3) {
        src.push_str(&format!("{}# note {i}\n", " ".repeat(i)));
    }
    src.push_str("x += 1\n");
    compile_small_stack(src).expect("compiles");
}

#[test]
fn a_byte_order_mark_is_ignored_and_columns_are_counted_without_it() {
    let src = "\u{feff}x = 0\n## Thread\nx += 1\n";
    let p = compile(src).expect("a BOM is accepted");
    assert_eq!(p.globals, vec!["x".to_string()]);
    assert!(!p.source.starts_with('\u{feff}'));
    let d = first_error("\u{feff}x = y\n## Thread\nx += 1\n");
    assert_eq!((d.line, d.column), (1, 5), "{d}");
    let shown = compile("\u{feff}x = y\n## Thread\nx += 1\n")
        .unwrap_err()
        .render("a.sync", "\u{feff}x = y\n## Thread\nx += 1\n");
    assert!(shown.contains("1 | x = y\n"), "{shown}");
    assert!(shown.contains("  |     ^\n"), "{shown}");
}

#[test]
fn assigning_self_index_is_an_error_not_a_crash() {
    // Found by fuzzing (fuzz/regressions/self-index-assigned.sync).
    for (src, col) in [
        ("self.index = 2\n## Thread\npass\n", 6),
        ("x = 0\n## Thread\nself.index = 2\n", 6),
        ("x = 0\n## Thread\nself.index += 1\n", 6),
        ("x = 0\n## Thread\nself.index++\n", 6),
        ("x = 0\n## Thread\ny = self.index = 1\n", 10),
    ] {
        let d = compile_small_stack(src.to_string())
            .expect_err(src)
            .0
            .remove(0);
        assert_eq!(d.message, "`self.index` is read-only", "{src}");
        assert_eq!(d.column, col, "{src}");
    }
}

#[test]
fn a_byte_order_mark_inside_the_file_is_named_not_shown() {
    let d = first_error("x = 0\n## Thread\nx += 1 \u{feff}\n");
    assert_eq!((d.line, d.column), (3, 8), "{d}");
    assert!(d.message.contains("U+FEFF"), "{d}");
    assert!(
        d.hint.as_deref().unwrap_or("").contains("byte-order mark"),
        "{d}"
    );
    // A zero-width space is not whitespace to the lexer: named too.
    let d = first_error("x = 0\n## Thread\nx\u{200b} += 1\n");
    assert!(d.message.contains("U+200B"), "{d}");
}

#[test]
fn an_instance_count_too_large_is_an_error_at_the_header() {
    let d = first_error("x = 0\n## Thread A x99999999999\nx += 1\n");
    assert_eq!((d.line, d.column), (2, 13), "{d}");
    assert!(d.message.contains("x99999999999"), "{d}");
    // The largest count that fits is read as a count (the vm then applies its thread limit).
    let p = compile("x = 0\n## Thread A x4294967295\nx += 1\n").expect("compiles");
    assert_eq!(p.columns[0].instances, u32::MAX);
    assert_eq!(p.columns[0].name, "A");
}

#[test]
fn the_power_operator_gets_a_hint() {
    let d = first_error("x = 2 ** 3\n## Thread\nx += 1\n");
    assert_eq!((d.line, d.column), (1, 7), "{d}");
    assert!(d.hint.as_deref().unwrap_or("").contains("multiply"), "{d}");
}
