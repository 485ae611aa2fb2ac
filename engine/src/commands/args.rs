//! The one argument parser: positional access, Valkey's number parsing rules, and
//! case-insensitive option matching, all without allocating.

use super::CmdError;

/// A command's arguments; `arg(0)` is the command name.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Args<'a> {
    argv: &'a [&'a [u8]],
    /// The command these arguments were resolved to (set once dispatch has looked it up).
    spec: Option<&'static super::table::CommandSpec>,
}

/// Longest text Valkey quotes back in an unknown-command error.
const QUOTE_LIMIT: usize = 128;

impl<'a> Args<'a> {
    pub fn new(argv: &'a [&'a [u8]]) -> Self {
        Self { argv, spec: None }
    }

    /// The same arguments, known to be a call of `spec`.
    pub fn for_command(self, spec: &'static super::table::CommandSpec) -> Self {
        Self {
            spec: Some(spec),
            ..self
        }
    }

    /// The key arguments, found through the command table's key specs: what the lock manager
    /// locks. Empty before dispatch resolved the command or for commands without keys.
    pub fn keys(&self) -> smallvec::SmallVec<[&'a [u8]; 16]> {
        let Some(spec) = self.spec else {
            return smallvec::SmallVec::new();
        };
        let (positions, _) = super::table::key_positions_inline(spec, self.argv);
        positions.into_iter().map(|i| self.argv[i]).collect()
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

    /// Argument `i` as `ON` (true) or `OFF` (false), any case; else a syntax error.
    pub fn on_off(&self, i: usize) -> Result<bool, CmdError> {
        if self.is(i, "on") {
            Ok(true)
        } else if self.is(i, "off") {
            Ok(false)
        } else {
            Err(CmdError::Syntax)
        }
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

/// A database index as SELECT, MOVE and COPY take it: an integer that fits an `int`, then
/// within the configured databases (Valkey's errors for each case).
pub(crate) fn db_index(s: &[u8], databases: usize) -> Result<usize, CmdError> {
    let n = parse_i64(s)?;
    if i32::try_from(n).is_err() {
        return Err(CmdError::Other(
            "ERR value is out of range, value must between -2147483648 and 2147483647",
        ));
    }
    usize::try_from(n)
        .ok()
        .filter(|&i| i < databases)
        .ok_or(CmdError::DbIndexOutOfRange)
}

/// The count of SRANDMEMBER, HRANDFIELD and ZRANDMEMBER (argument 2): any `i64` but
/// `i64::MIN`, whose absolute value Valkey could not take.
pub(crate) fn random_count(args: &Args<'_>) -> Result<i64, CmdError> {
    let l = args.i64(2)?;
    if l == i64::MIN {
        return Err(CmdError::Other(
            "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807",
        ));
    }
    Ok(l)
}

/// HRANDFIELD's and ZRANDMEMBER's count and whether `word` (WITHVALUES, WITHSCORES) follows
/// it, the only option they take.
pub(crate) fn random_count_with(args: &Args<'_>, word: &str) -> Result<(i64, bool), CmdError> {
    let l = random_count(args)?;
    if args.len() > 4 || (args.len() == 4 && !args.is(3, word)) {
        return Err(CmdError::Syntax);
    }
    let with = args.len() == 4;
    // Valkey refuses counts whose doubled reply length would overflow.
    if with && !(-(i64::MAX / 2)..=i64::MAX / 2).contains(&l) {
        return Err(CmdError::Other("ERR value is out of range"));
    }
    Ok((l, with))
}

/// Valkey's strict integer parse, with its error.
pub(crate) fn parse_i64(s: &[u8]) -> Result<i64, CmdError> {
    resp::int::parse_i64(s).ok_or(CmdError::NotInteger)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys_of(argv: &[&str]) -> Vec<String> {
        let argv: Vec<&[u8]> = argv.iter().map(|a| a.as_bytes()).collect();
        let spec = crate::commands::table::lookup(argv[0]).unwrap();
        let args = Args::new(&argv).for_command(spec);
        let keys: Vec<String> = args
            .keys()
            .iter()
            .map(|k| String::from_utf8(k.to_vec()).unwrap())
            .collect();
        keys
    }

    // What the lock manager locks comes from the table's key specs.
    #[test]
    fn keys_come_from_the_command_table() {
        assert_eq!(keys_of(&["MSET", "a", "1", "b", "2"]), ["a", "b"]);
        assert_eq!(keys_of(&["MGET", "a", "b", "c"]), ["a", "b", "c"]);
        assert_eq!(
            keys_of(&["BITOP", "AND", "d", "s1", "s2"]),
            ["d", "s1", "s2"]
        );
        assert_eq!(
            keys_of(&["COPY", "a", "b", "DB", "1", "REPLACE"]),
            ["a", "b"]
        );
        assert_eq!(keys_of(&["LCS", "x", "y", "LEN"]), ["x", "y"]);
        assert_eq!(keys_of(&["RENAME", "a", "b"]), ["a", "b"]);
        assert_eq!(keys_of(&["DEL", "a", "a"]), ["a", "a"]);
        assert!(keys_of(&["PING"]).is_empty());
    }
}
