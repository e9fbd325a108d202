//! The page's files, embedded at build time (no JavaScript tool chain is involved), each with
//! its gzip form and an entity tag computed once, on first use: browsers that send
//! `Accept-Encoding: gzip` get the small form, and a revalidation with a matching
//! `If-None-Match` gets a 304 without a body.

use std::sync::LazyLock;

macro_rules! embed {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!("../assets/", $name)))),*]
    };
}

static FILES: &[(&str, &str)] = embed!(
    "index.html",
    "style.css",
    "main.js",
    "api.js",
    "state.js",
    "catalog.js",
    "editor.js",
    "board.js",
    "timeline.js",
    "diagram.js",
    "check.js",
    "mutants.js",
    "keys.js",
    "url.js",
    "dom.js",
    "choice.js",
    "tracefile.js",
    "prefs.js",
    "favicon.svg",
);

fn mime(name: &str) -> &'static str {
    match name.rsplit_once('.').map(|p| p.1) {
        Some("html") => "text/html; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("svg") => "image/svg+xml",
        _ => "application/octet-stream",
    }
}

/// An embedded file as served.
pub struct Asset {
    pub body: &'static str,
    pub gzip: Vec<u8>,
    pub mime: &'static str,
    /// A strong entity tag (quoted): the same bytes always get the same tag.
    pub etag: String,
}

static ASSETS: LazyLock<Vec<(&'static str, Asset)>> = LazyLock::new(|| {
    FILES
        .iter()
        .map(|(name, body)| {
            let asset = Asset {
                body,
                gzip: gzip(body.as_bytes()),
                mime: mime(name),
                etag: format!("\"{:016x}\"", fnv1a(body.as_bytes())),
            };
            (*name, asset)
        })
        .collect()
});

/// An embedded file.
pub fn get(name: &str) -> Option<&'static Asset> {
    ASSETS.iter().find(|(n, _)| *n == name).map(|(_, a)| a)
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    // Writing to a Vec cannot fail.
    let _ = enc.write_all(bytes);
    enc.finish().unwrap_or_default()
}

/// FNV-1a, 64 bits: stable across builds and Rust versions (unlike `DefaultHasher`), which a
/// tag a browser keeps between two runs of the server needs.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Whether an `Accept-Encoding` value takes gzip (a `q=0` refuses it).
pub fn accepts_gzip(accept_encoding: &str) -> bool {
    accept_encoding.split(',').any(|part| {
        let mut it = part.split(';');
        let coding = it.next().unwrap_or("").trim();
        let refused = it.any(|p| {
            p.trim()
                .strip_prefix("q=")
                .and_then(|q| q.trim().parse::<f32>().ok())
                .is_some_and(|q| q == 0.0)
        });
        (coding.eq_ignore_ascii_case("gzip") || coding == "*") && !refused
    })
}

/// Whether an `If-None-Match` value names `etag` (or is `*`); weak tags match too.
pub fn matches_etag(if_none_match: &str, etag: &str) -> bool {
    if_none_match
        .split(',')
        .map(|t| t.trim())
        .any(|t| t == "*" || t.strip_prefix("W/").unwrap_or(t) == etag)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn every_asset_is_gzipped_smaller_and_round_trips() {
        for (name, a) in ASSETS.iter() {
            let mut back = String::new();
            flate2::read::GzDecoder::new(&a.gzip[..])
                .read_to_string(&mut back)
                .unwrap();
            assert_eq!(back, a.body, "{name}");
            // Small files carry gzip's fixed overhead; the large ones shrink by more than half.
            if a.body.len() > 4000 {
                assert!(a.gzip.len() < a.body.len() / 2, "{name} compresses poorly");
            }
        }
    }

    #[test]
    fn entity_tags_differ_between_files_and_are_quoted() {
        let tags: std::collections::HashSet<_> = ASSETS.iter().map(|(_, a)| &a.etag).collect();
        assert_eq!(tags.len(), ASSETS.len());
        assert!(get("main.js").unwrap().etag.starts_with('"'));
        // FNV-1a of the empty input is its offset basis; of "a", a known value.
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
    }

    #[test]
    fn accept_encoding_and_if_none_match_are_parsed() {
        assert!(accepts_gzip("gzip, deflate, br"));
        assert!(accepts_gzip("br;q=1.0, GZIP;q=0.5"));
        assert!(!accepts_gzip("br, deflate"));
        assert!(!accepts_gzip("gzip;q=0"));
        assert!(!accepts_gzip(""));
        assert!(matches_etag("\"abc\"", "\"abc\""));
        assert!(matches_etag("\"x\", W/\"abc\"", "\"abc\""));
        assert!(matches_etag("*", "\"abc\""));
        assert!(!matches_etag("\"abd\"", "\"abc\""));
    }
}
