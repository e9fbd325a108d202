//! The page's files, embedded at build time (no JavaScript tool chain is involved).

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
    "keys.js",
    "url.js",
    "dom.js",
    "choice.js",
    "tracefile.js",
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

/// An embedded file and its content type.
pub fn get(name: &str) -> Option<(&'static str, &'static str)> {
    FILES
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(n, body)| (*body, mime(n)))
}
