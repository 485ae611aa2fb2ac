//! Splitting an inline request line into arguments with the quoting rules Valkey 9 applies
//! (`sdssplitargs`): blanks separate arguments; `"…"` understands `\n \r \t \b \a \xHH` and
//! `\<any>`; `'…'` understands only `\'`; a quote may open or close in the middle of an
//! argument (`a"b c"d` is `ab cd`); an unterminated quote is an error.

use crate::error::ProtocolError;

/// Splits one line into owned arguments with the same rules (Valkey's config files use them
/// too). `None` for unbalanced quotes.
pub fn split_line(line: &[u8]) -> Option<Vec<Vec<u8>>> {
    let mut scratch = Vec::new();
    let mut spans = Vec::new();
    split_args(line, &mut scratch, |start, len| spans.push((start, len))).ok()?;
    Some(
        spans
            .into_iter()
            .map(|(s, l)| scratch[s..s + l].to_vec())
            .collect(),
    )
}

/// Splits `line` (no NUL, no trailing newline) into `scratch`, reporting each argument's
/// `(start, len)` in `scratch` through `push`.
pub(crate) fn split_args(
    line: &[u8],
    scratch: &mut Vec<u8>,
    mut push: impl FnMut(usize, usize),
) -> Result<(), ProtocolError> {
    let mut p = 0;
    loop {
        while p < line.len() && is_space(line[p]) {
            p += 1;
        }
        if p == line.len() {
            return Ok(());
        }
        let start = scratch.len();
        let mut quote: Option<u8> = None;
        loop {
            let Some(&c) = line.get(p) else {
                if quote.is_some() {
                    return Err(ProtocolError::UnbalancedQuotes);
                }
                break;
            };
            match quote {
                Some(b'"') => match (c, line.get(p + 1).copied()) {
                    (b'\\', Some(b'x'))
                        if line.len() > p + 3
                            && line[p + 2].is_ascii_hexdigit()
                            && line[p + 3].is_ascii_hexdigit() =>
                    {
                        scratch.push(hex(line[p + 2]) << 4 | hex(line[p + 3]));
                        p += 3;
                    }
                    (b'\\', Some(e)) => {
                        scratch.push(match e {
                            b'n' => b'\n',
                            b'r' => b'\r',
                            b't' => b'\t',
                            b'b' => 0x08,
                            b'a' => 0x07,
                            other => other,
                        });
                        p += 1;
                    }
                    (b'"', _) => quote = None,
                    _ => scratch.push(c),
                },
                Some(_) => match (c, line.get(p + 1).copied()) {
                    (b'\\', Some(b'\'')) => {
                        scratch.push(b'\'');
                        p += 1;
                    }
                    (b'\'', _) => quote = None,
                    _ => scratch.push(c),
                },
                None => match c {
                    b' ' | b'\n' | b'\r' | b'\t' => break,
                    b'"' | b'\'' => quote = Some(c),
                    _ => scratch.push(c),
                },
            }
            p += 1;
        }
        push(start, scratch.len() - start);
    }
}

/// C's `isspace` in the "C" locale.
fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

fn hex(c: u8) -> u8 {
    match c {
        b'0'..=b'9' => c - b'0',
        b'a'..=b'f' => c - b'a' + 10,
        _ => c - b'A' + 10,
    }
}
