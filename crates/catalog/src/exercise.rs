//! Exercise mode's neutral names: a program named only by where it is in the book, and its
//! text with the leading comment (which says what the program is, and often whether it works)
//! replaced by that name, on as many lines, so line numbers, rows, traces and mutant ids stay.
//!
//! The name is the entry's section and the listing's letter, "Section 3.6, listing c". When
//! several programs of an entry transcribe the same listing (as printed and corrected, or a
//! claim about it), each is a variant in catalog order, "Section 4.4, listing g, variant 2";
//! programs of no book listing (`prose`, `ours`) are numbered, "Section 6.3, program 1". The
//! id is the same words as a slug, `section-3.6-listing-c`: a link names it (`#p=`), and the
//! file is `section-3.6-listing-c.sync`.

use crate::{Entry, entries};

/// A catalog program as exercise mode shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Neutral {
    /// `section-3.6-listing-c`, unique in the catalog.
    pub id: String,
    /// `Section 3.6, listing c`.
    pub title: String,
    /// `section-3.6-listing-c.sync`.
    pub file: String,
    /// The program's text with its leading comment block replaced ([`neutral_source`]).
    pub source: String,
}

/// The letter of a book listing (`L3.6-c` → `c`); none for `prose` and `ours`.
fn listing_letter(listing: &str) -> Option<&str> {
    let (_, letter) = listing.strip_prefix('L')?.rsplit_once('-')?;
    (!letter.is_empty()).then_some(letter)
}

impl Entry {
    /// The neutral title of the entry's `i`-th program.
    pub fn neutral_title(&self, i: usize) -> String {
        let letter = listing_letter(&self.programs[i].listing);
        let same: Vec<usize> = (0..self.programs.len())
            .filter(|&j| listing_letter(&self.programs[j].listing) == letter)
            .collect();
        let nth = same.iter().position(|&j| j == i).unwrap_or(0) + 1;
        let section = &self.section;
        match letter {
            None => format!("Section {section}, program {nth}"),
            Some(l) if same.len() > 1 => format!("Section {section}, listing {l}, variant {nth}"),
            Some(l) => format!("Section {section}, listing {l}"),
        }
    }

    /// The neutral id of the entry's `i`-th program: its neutral title as a slug.
    pub fn neutral_id(&self, i: usize) -> String {
        slug(&self.neutral_title(i))
    }

    /// The entry's `i`-th program as exercise mode shows it.
    pub fn neutral(&self, i: usize) -> Neutral {
        let title = self.neutral_title(i);
        let id = slug(&title);
        Neutral {
            file: format!("{id}.sync"),
            source: neutral_source(&self.programs[i].source, &title),
            id,
            title,
        }
    }
}

/// `Section 3.6, listing c` -> `section-3.6-listing-c`.
fn slug(title: &str) -> String {
    title.to_lowercase().replace(", ", "-").replace(' ', "-")
}

/// `source` with its leading comment block (the `#` lines before anything else; `##` starts a
/// header) replaced by `# TITLE` and empty `#` lines, so it keeps its number of lines.
pub fn neutral_source(source: &str, title: &str) -> String {
    let mut out = String::with_capacity(source.len());
    let mut replaced = 0;
    let mut header = true;
    for line in source.split_inclusive('\n') {
        header = header && line.starts_with('#') && !line.starts_with("##");
        if !header {
            out.push_str(line);
            continue;
        }
        out.push_str(if replaced == 0 { "# " } else { "#" });
        if replaced == 0 {
            out.push_str(title);
        }
        let text = line.trim_end_matches(['\n', '\r']);
        out.push_str(&line[text.len()..]);
        replaced += 1;
    }
    out
}

/// A catalog program by its id, `ENTRY/FILE` (with or without `.sync`) or its neutral id: the
/// entry and the program's index in it.
pub fn find_program(id: &str) -> Option<(&'static Entry, usize)> {
    if let Some((entry, file)) = id.split_once('/') {
        let e = crate::find(entry)?;
        let p = e.program(file)?;
        return Some((e, e.programs.iter().position(|q| std::ptr::eq(q, p))?));
    }
    entries().iter().find_map(|e| {
        (0..e.programs.len())
            .find(|&i| e.neutral_id(i) == id)
            .map(|i| (e, i))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn titles(entry: &str) -> Vec<String> {
        let e = crate::find(entry).unwrap();
        (0..e.programs.len()).map(|i| e.neutral_title(i)).collect()
    }

    #[test]
    fn names_are_section_and_listing_with_variants_and_numbered_programs() {
        // Stable: a teacher says "open section 3.6, listing c".
        assert_eq!(
            titles("barrier"),
            [
                "Section 3.6, listing a",
                "Section 3.6, listing c",
                "Section 3.6, listing d",
                "Section 3.6, listing e"
            ]
        );
        // Footman and the claim about it share listing e; Tanenbaum as printed and corrected
        // share listing g; the leftie solution is from the prose.
        assert_eq!(
            titles("dining-philosophers"),
            [
                "Section 4.4, listing d",
                "Section 4.4, listing e, variant 1",
                "Section 4.4, program 1",
                "Section 4.4, listing g, variant 1",
                "Section 4.4, listing g, variant 2",
                "Section 4.4, listing e, variant 2"
            ]
        );
        assert_eq!(titles("baboon-crossing"), ["Section 6.3, program 1"]);
        let e = crate::find("barrier").unwrap();
        let n = e.neutral(1);
        assert_eq!(n.id, "section-3.6-listing-c");
        assert_eq!(n.file, "section-3.6-listing-c.sync");
    }

    #[test]
    fn every_neutral_id_is_unique_and_finds_its_program() {
        let mut seen = std::collections::BTreeSet::new();
        for e in entries() {
            for (i, p) in e.programs.iter().enumerate() {
                let n = e.neutral(i);
                assert!(seen.insert(n.id.clone()), "{} is not unique", n.id);
                let found = find_program(&n.id).expect("found by its neutral id");
                assert!(std::ptr::eq(found.0, e) && found.1 == i, "{}", n.id);
                let real = format!("{}/{}", e.name, p.file.trim_end_matches(".sync"));
                assert_eq!(find_program(&real).map(|f| f.1), Some(i), "{real}");
                assert_eq!(
                    find_program(&format!("{}/{}", e.name, p.file)).map(|f| f.1),
                    Some(i)
                );
            }
        }
        assert!(find_program("section-3.6-listing-z").is_none());
        assert!(find_program("barrier/nothing").is_none());
    }

    /// A catalog program and its neutral form compile to the same program: same lines, same
    /// rows (the header's comment text aside), same code.
    #[test]
    fn the_neutral_source_keeps_lines_and_rows_and_hides_the_header() {
        for e in entries() {
            for (i, p) in e.programs.iter().enumerate() {
                let n = e.neutral(i);
                let what = format!("{}/{}", e.name, p.file);
                assert_eq!(n.source.lines().count(), p.source.lines().count(), "{what}");
                let header = p
                    .source
                    .lines()
                    .take_while(|l| l.starts_with('#') && !l.starts_with("##"))
                    .count();
                assert!(header >= 1, "{what} has no leading comment");
                assert_eq!(
                    n.source.lines().next(),
                    Some(format!("# {}", n.title).as_str())
                );
                assert!(n.source.lines().skip(1).take(header - 1).all(|l| l == "#"));
                assert!(
                    n.source
                        .lines()
                        .skip(header)
                        .eq(p.source.lines().skip(header)),
                    "{what}: a line below the header changed"
                );
                let a = lbos_lang::compile(&p.source).unwrap();
                let mut b = lbos_lang::compile(&n.source).unwrap();
                b.source = a.source.clone();
                for (ra, rb) in a.rows.iter().zip(b.rows.iter_mut()) {
                    if ra.line as usize <= header {
                        rb.text = ra.text.clone();
                    }
                }
                assert_eq!(a, b, "{what}: the neutral source compiles differently");
                for word in [
                    "Deadlock",
                    "non-solution",
                    "claim",
                    "as printed",
                    "corrected",
                ] {
                    assert!(
                        !n.source.contains(word)
                            || p.source.lines().skip(header).any(|l| l.contains(word)),
                        "{what}: the neutral source says {word}"
                    );
                }
            }
        }
    }

    #[test]
    fn only_the_leading_comment_block_is_replaced() {
        let src =
            "# Deadlock #2: a broken barrier\r\n# (really)\r\nn = 3\n# kept\n## Thread x2\n# a1\n";
        assert_eq!(
            neutral_source(src, "Section 3.6, listing c"),
            "# Section 3.6, listing c\r\n#\r\nn = 3\n# kept\n## Thread x2\n# a1\n"
        );
        let no_header = "## Thread\n# statement\n";
        assert_eq!(neutral_source(no_header, "T"), no_header);
        assert_eq!(neutral_source("# only a comment", "T"), "# T");
        assert_eq!(neutral_source("", "T"), "");
    }
}
