//! Glob matching that reproduces Valkey's `stringmatchlen` (KEYS, SCAN MATCH, PSUBSCRIBE,
//! CONFIG GET) result for result, quirks included.
//!
//! Syntax: `*` any run of bytes, `?` one byte, `[abc]` / `[^abc]` classes with `a-z` ranges
//! (reversed ranges swap), and `\x` for a literal `x` inside or outside a class. Patterns and
//! strings are arbitrary bytes. The quirks kept on purpose, because clients can observe them:
//!
//! - a non-empty pattern never matches the empty string, not even `*` (KEYS and SCAN
//!   special-case the lone `*` pattern themselves before calling the matcher);
//! - an unterminated class (`[abc`) runs to the end of the pattern and still matches one
//!   byte; `[` alone matches nothing and `[^` matches any byte;
//! - `]` right after `[` (or `[^`) closes an empty class; `-` only forms a range when a byte
//!   follows it, and that byte may be `]` (so `[a-]` is the range `]`..=`a`, unterminated);
//! - a trailing lone `\` matches a literal backslash;
//! - range bounds compare as C `char`, signed on x86-64 (the build reproduced here):
//!   `[a-\xff]` spans `\xff`..=`a`;
//! - Valkey caps its recursion at 1000 nested `*` (a run of `*` counts once): a match that
//!   reaches a 1001st `*` fails, unless that `*` ends the pattern.
//!
//! The `nocase` variant folds with C `tolower` in the "C" locale (glibc). Inside a class an
//! escaped byte (`[\A]`) is still compared case-sensitively, and ranges are folded only after
//! their bounds are ordered, so nocase `[A-z]` does not contain `_`.
//!
//! Where C recurses once per `*`, this keeps only the innermost `*` to backtrack to: once the
//! rest of the pattern fails after a `*` at every position, giving an earlier `*` more bytes
//! cannot help (Valkey's `skipLongerMatches`). That makes matching O(pattern × string) with
//! no recursion and no allocation.

/// Valkey's protection against abusive patterns: a `*` nested deeper than this fails.
const MAX_STAR_NESTING: usize = 1000;

/// Case-sensitive glob match of `string` against `pattern`, exactly as Valkey's
/// `stringmatchlen(pattern, string, nocase = 0)`.
#[must_use]
pub fn glob_match(pattern: &[u8], string: &[u8]) -> bool {
    string_match(pattern, string, false)
}

/// Case-insensitive (ASCII, C-locale `tolower`) glob match, exactly as Valkey's
/// `stringmatchlen(pattern, string, nocase = 1)`.
#[must_use]
pub fn glob_match_nocase(pattern: &[u8], string: &[u8]) -> bool {
    string_match(pattern, string, true)
}

/// The innermost `*` seen so far, which a later mismatch can extend by one byte.
#[derive(Clone, Copy)]
struct Star {
    /// Pattern index just past the run of `*`.
    resume: usize,
    /// String index the rest of the pattern is currently being tried from.
    from: usize,
    /// Nesting depth the C recursion would have for the rest of the pattern.
    depth: usize,
}

fn string_match(pattern: &[u8], string: &[u8], nocase: bool) -> bool {
    let (mut p, mut s) = (0, 0);
    let mut depth = 0;
    let mut star: Option<Star> = None;
    loop {
        if let (Some(&token), Some(&c)) = (pattern.get(p), string.get(s)) {
            let (next, ok) = match token {
                b'*' => {
                    let resume = p + pattern[p..].iter().take_while(|&&b| b == b'*').count();
                    if resume == pattern.len() {
                        return true;
                    }
                    depth += 1;
                    if depth > MAX_STAR_NESTING {
                        return false;
                    }
                    star = Some(Star {
                        resume,
                        from: s,
                        depth,
                    });
                    p = resume;
                    continue;
                }
                b'?' => (p + 1, true),
                b'[' => match_class(pattern, p, c, nocase),
                b'\\' if p + 1 < pattern.len() => (p + 2, byte_eq(pattern[p + 1], c, nocase)),
                literal => (p + 1, byte_eq(literal, c, nocase)),
            };
            if ok {
                p = next;
                s += 1;
                if s < string.len() {
                    continue;
                }
                // The string is used up: only trailing `*`s may remain.
                p += pattern[p..].iter().take_while(|&&b| b == b'*').count();
                if p == pattern.len() {
                    return true;
                }
            }
        } else if p == pattern.len() && s == string.len() {
            return true;
        }
        // Mismatch: let the innermost `*` swallow one more byte, if there is one left.
        match star {
            Some(st) if st.from + 1 < string.len() => {
                let from = st.from + 1;
                star = Some(Star { from, ..st });
                (p, s, depth) = (st.resume, from, st.depth);
            }
            _ => return false,
        }
    }
}

/// Tests `c` against the class opening at `pattern[open] == b'['`; returns the index just
/// past the class and whether `c` is in it.
fn match_class(pattern: &[u8], open: usize, c: u8, nocase: bool) -> (usize, bool) {
    let mut i = open + 1;
    let negate = pattern.get(i) == Some(&b'^');
    if negate {
        i += 1;
    }
    let mut found = false;
    loop {
        // Arm order mirrors the C checks: escape, end of pattern, `]`, range, literal.
        match &pattern[i..] {
            // Escapes compare exactly, even without case: Valkey does not fold them.
            [b'\\', escaped, ..] => {
                found |= *escaped == c;
                i += 2;
            }
            // Unterminated: the class silently extends to the end of the pattern.
            [] => return (pattern.len(), found != negate),
            [b']', ..] => return (i + 1, found != negate),
            [lo, b'-', hi, ..] => {
                found |= in_range(*lo, *hi, c, nocase);
                i += 3;
            }
            [literal, ..] => {
                found |= byte_eq(*literal, c, nocase);
                i += 1;
            }
        }
    }
}

fn byte_eq(a: u8, b: u8, nocase: bool) -> bool {
    // glibc's `tolower` maps every non-ASCII `char` to a distinct non-ASCII value, so equality
    // after folding is exactly ASCII case-insensitive equality.
    a == b || (nocase && a.eq_ignore_ascii_case(&b))
}

/// `c` in the range `lo`-`hi` the way C computes it: bounds and byte are (signed) `char`,
/// ordered first and only then folded with `tolower`.
fn in_range(lo: u8, hi: u8, c: u8, nocase: bool) -> bool {
    let (mut lo, mut hi, mut c) = (c_char(lo), c_char(hi), c_char(c));
    if lo > hi {
        std::mem::swap(&mut lo, &mut hi);
    }
    if nocase {
        (lo, hi, c) = (c_tolower(lo), c_tolower(hi), c_tolower(c));
    }
    (lo..=hi).contains(&c)
}

/// A byte as x86-64 C sees a `char` promoted to `int`.
fn c_char(b: u8) -> i32 {
    i32::from(i8::from_ne_bytes([b]))
}

/// glibc `tolower` in the "C" locale, over the values `c_char` produces: ASCII folds, and
/// negative `char`s other than `EOF` (-1) map to their unsigned value.
fn c_tolower(c: i32) -> i32 {
    match c {
        0x41..=0x5a => c + 0x20,
        -128..=-2 => c + 256,
        _ => c,
    }
}

#[cfg(test)]
mod tests;
