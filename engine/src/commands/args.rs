//! The one argument parser: positional access, Valkey's number parsing rules, and
//! case-insensitive option matching, all without allocating.

use super::CmdError;

/// A command's arguments; `arg(0)` is the command name.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Args<'a> {
    argv: &'a [&'a [u8]],
}

/// Longest text Valkey quotes back in an unknown-command error.
const QUOTE_LIMIT: usize = 128;

impl<'a> Args<'a> {
    pub fn new(argv: &'a [&'a [u8]]) -> Self {
        Self { argv }
    }

    /// Number of arguments, the name included.
    pub fn len(&self) -> usize {
        self.argv.len()
    }

    /// Argument `i` (callers check the count first; arity is enforced before dispatch).
    pub fn arg(&self, i: usize) -> &'a [u8] {
        self.argv[i]
    }

    /// Arguments from `i` on.
    pub fn from(&self, i: usize) -> &'a [&'a [u8]] {
        &self.argv[i.min(self.argv.len())..]
    }

    /// Argument `i` as an `i64` (Valkey's `getLongLongFromObject`).
    pub fn i64(&self, i: usize) -> Result<i64, CmdError> {
        parse_i64(self.argv[i])
    }

    /// True when argument `i` equals `word` ignoring ASCII case.
    pub fn is(&self, i: usize, word: &str) -> bool {
        self.argv
            .get(i)
            .is_some_and(|a| a.eq_ignore_ascii_case(word.as_bytes()))
    }

    /// `-ERR unknown command '<name>', with args beginning with: '<a>' '<b>' `.
    pub fn unknown_command_text(&self) -> Vec<u8> {
        let name = self.argv[0];
        let mut t = b"ERR unknown command '".to_vec();
        t.extend_from_slice(&name[..name.len().min(QUOTE_LIMIT)]);
        t.extend_from_slice(b"', with args beginning with: ");
        let mut quoted = Vec::new();
        for a in &self.argv[1..] {
            if quoted.len() >= QUOTE_LIMIT {
                break;
            }
            let room = QUOTE_LIMIT - quoted.len();
            quoted.push(b'\'');
            quoted.extend_from_slice(&a[..a.len().min(room)]);
            quoted.extend_from_slice(b"' ");
        }
        t.extend_from_slice(&quoted);
        t
    }

    /// `-ERR unknown subcommand '<sub>'. Try <CMD> HELP.`
    pub fn unknown_subcommand_text(&self, container: &str) -> Vec<u8> {
        let sub = self.argv[1];
        let mut t = b"ERR unknown subcommand '".to_vec();
        t.extend_from_slice(&sub[..sub.len().min(QUOTE_LIMIT)]);
        t.extend_from_slice(format!("'. Try {} HELP.", container.to_ascii_uppercase()).as_bytes());
        t
    }
}

/// Valkey's strict integer parse, with its error.
pub(crate) fn parse_i64(s: &[u8]) -> Result<i64, CmdError> {
    resp::int::parse_i64(s).ok_or(CmdError::NotInteger)
}
