//! Flag values checked where they enter: a size or a duration that clap hands over is valid,
//! so nothing later can panic on it (`Duration::from_secs_f64(-1.0)`) or read it wrongly
//! (`nan` bytes as 0).

use std::time::Duration;

/// The longest time limit accepted: a year. Longer ones are surely typos, and a deadline
/// `Instant::now() + timeout` must not overflow.
pub const MAX_TIMEOUT: Duration = Duration::from_secs(365 * 24 * 3600);

const DURATION_EXAMPLES: &str = "e.g. `60`, `2.5`, `90s`, `10m` or `1h`";
const SIZE_EXAMPLES: &str = "e.g. `512M`, `4G`, `16GB` or `16GiB`";

/// Splits `12.5GiB` into `12.5` and `GiB`. Numbers are plain decimals with an optional
/// exponent (`1e9`): no sign, no `nan` or `inf`.
fn split_number(s: &str) -> Option<(f64, &str)> {
    let b = s.as_bytes();
    let mut end = b
        .iter()
        .position(|c| !(c.is_ascii_digit() || *c == b'.'))
        .unwrap_or(b.len());
    if matches!(b.get(end), Some(b'e' | b'E')) {
        let digits = end + 1 + usize::from(matches!(b.get(end + 1), Some(b'+' | b'-')));
        if b.get(digits).is_some_and(u8::is_ascii_digit) {
            end = digits
                + b[digits..]
                    .iter()
                    .take_while(|c| c.is_ascii_digit())
                    .count();
        }
    }
    let (num, unit) = s.split_at(end);
    if !num.starts_with(|c: char| c.is_ascii_digit() || c == '.')
        || !num.chars().any(|c| c.is_ascii_digit())
    {
        return None;
    }
    Some((num.parse().ok()?, unit.trim()))
}

/// A time limit: seconds, or a number with `ms`, `s`, `m` or `h`; more than 0 and at most
/// [`MAX_TIMEOUT`].
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let t = s.trim();
    let Some((n, unit)) = split_number(t) else {
        return Err(format!(
            "`{s}` is not a duration: expected a positive number of seconds, {DURATION_EXAMPLES}"
        ));
    };
    let secs = match unit.to_ascii_lowercase().as_str() {
        "" | "s" | "sec" | "secs" => n,
        "ms" => n / 1000.0,
        "m" | "min" => n * 60.0,
        "h" => n * 3600.0,
        _ => {
            return Err(format!(
                "`{s}`: unknown unit `{unit}` (expected s, ms, m or h), {DURATION_EXAMPLES}"
            ));
        }
    };
    if secs <= 0.0 {
        return Err(format!(
            "`{s}`: a time limit must be more than 0 seconds, {DURATION_EXAMPLES}"
        ));
    }
    if secs > MAX_TIMEOUT.as_secs_f64() {
        return Err(format!(
            "`{s}` is too long: the longest time limit is {} seconds (a year); leave the flag out for no time limit",
            MAX_TIMEOUT.as_secs()
        ));
    }
    Ok(Duration::from_secs_f64(secs))
}

/// A size in bytes: a number with an optional unit `K`, `M`, `G` or `T`, each a power of 1024
/// and written alone, with `B` or with `iB` (`16G`, `16GB` and `16GiB` are the same), in any
/// case. Plain numbers are bytes.
pub fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let Some((n, unit)) = split_number(t) else {
        return Err(format!(
            "`{s}` is not a size: expected a positive number with an optional unit, {SIZE_EXAMPLES}"
        ));
    };
    let u = unit.to_ascii_lowercase();
    let prefix = u
        .strip_suffix("ib")
        .or_else(|| u.strip_suffix('b'))
        .unwrap_or(&u);
    let shift = match prefix {
        "" => 0,
        "k" => 10,
        "m" => 20,
        "g" => 30,
        "t" => 40,
        _ => {
            return Err(format!(
                "`{s}`: unknown unit `{unit}` (expected K, M, G or T, optionally followed by B or iB), {SIZE_EXAMPLES}"
            ));
        }
    };
    let bytes = n * (1u64 << shift) as f64;
    if bytes < 1.0 {
        return Err(format!(
            "`{s}`: a size must be at least 1 byte, {SIZE_EXAMPLES}"
        ));
    }
    // 2^64 is exactly representable; anything at or above it does not fit.
    if bytes >= 18_446_744_073_709_551_616.0 {
        return Err(format!("`{s}` is too large: sizes must fit in 64 bits"));
    }
    Ok(bytes as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_take_the_usual_spellings() {
        for (text, bytes) in [
            ("16G", 16u64 << 30),
            ("16GB", 16 << 30),
            ("16GiB", 16 << 30),
            ("16gib", 16 << 30),
            ("16 GiB", 16 << 30),
            ("512M", 512 << 20),
            ("512MB", 512 << 20),
            ("1.5K", 1536),
            ("2T", 2 << 40),
            ("4096", 4096),
            ("1e9", 1_000_000_000),
            ("4096B", 4096),
            (" 4G ", 4 << 30),
        ] {
            assert_eq!(parse_size(text), Ok(bytes), "{text}");
        }
    }

    #[test]
    fn bad_sizes_are_refused_with_examples() {
        for text in [
            "nan",
            "NaN",
            "inf",
            "-1G",
            "-1",
            "0",
            "0G",
            "",
            "G",
            "1e999",
            "1..5G",
            "1.2.3G",
            "16X",
            "16GBB",
            "0.1",
            "99999999999T",
        ] {
            let e = parse_size(text).expect_err(text);
            assert!(e.contains(&format!("`{text}`")), "{text}: {e}");
        }
        assert!(parse_size("nan").unwrap_err().contains("16GiB"));
        assert!(parse_size("16X").unwrap_err().contains("unknown unit `X`"));
    }

    #[test]
    fn durations_are_positive_finite_and_at_most_a_year() {
        assert_eq!(parse_duration("60"), Ok(Duration::from_secs(60)));
        assert_eq!(parse_duration("2.5"), Ok(Duration::from_millis(2500)));
        assert_eq!(parse_duration("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("10m"), Ok(Duration::from_secs(600)));
        assert_eq!(parse_duration("1h"), Ok(Duration::from_secs(3600)));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("31536000"), Ok(MAX_TIMEOUT));
        for text in [
            "-1", "nan", "inf", "-inf", "1e300", "0", "0s", "", "x", "5d", "31536001",
        ] {
            let e = parse_duration(text).expect_err(text);
            assert!(e.contains(&format!("`{text}`")), "{text}: {e}");
        }
        assert!(parse_duration("1e300").unwrap_err().contains("too long"));
        assert!(
            parse_duration("nan")
                .unwrap_err()
                .contains("not a duration")
        );
        assert!(parse_duration("99999999").unwrap_err().contains("too long"));
        assert!(parse_duration("0").unwrap_err().contains("more than 0"));
    }
}
