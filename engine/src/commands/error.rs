//! Command errors: one variant per reply a user can see, each with Valkey's exact text.

use resp::ReplyWriter;

/// An error reply.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CmdError {
    /// `ERR syntax error`
    Syntax,
    /// `ERR value is not an integer or out of range`
    NotInteger,
    /// `ERR value is not a valid float`
    NotFloat,
    /// `WRONGTYPE Operation against a key holding the wrong kind of value`
    WrongType,
    /// `ERR increment or decrement would overflow`
    Overflow,
    /// `ERR invalid expire time in '<cmd>' command`
    InvalidExpire(&'static str),
    /// `ERR wrong number of arguments for '<cmd>' command`
    WrongArity(&'static str),
    /// `ERR unknown command '…', with args beginning with: …` (text prepared by `Args`)
    UnknownCommand(Vec<u8>),
    /// `ERR unknown subcommand '…'. Try … HELP.` (text prepared by `Args`)
    UnknownSubcommand(Vec<u8>),
    /// `ERR no such key`
    NoSuchKey,
    /// `ERR DB index is out of range`
    DbIndexOutOfRange,
    /// Any other fixed error text, code included (`ERR …`).
    Other(&'static str),
    /// An error text built at run time, code included.
    Owned(String),
}

impl CmdError {
    /// Valkey's `addReplySubcommandSyntaxError`: a known subcommand of `container` given the
    /// wrong arguments (`sub` as the client typed it).
    pub fn subcommand_syntax(container: &str, sub: &[u8]) -> Self {
        Self::Owned(format!(
            "ERR unknown subcommand or wrong number of arguments for '{}'. Try {container} HELP.",
            String::from_utf8_lossy(sub)
        ))
    }

    /// Writes the error reply.
    pub fn write(&self, out: &mut ReplyWriter<'_>) {
        out.error(&self.text());
    }

    /// The error text, code first (`ERR …`, `WRONGTYPE …`).
    pub fn text(&self) -> std::borrow::Cow<'_, [u8]> {
        match self {
            Self::Syntax => b"ERR syntax error"[..].into(),
            Self::NotInteger => b"ERR value is not an integer or out of range"[..].into(),
            Self::NotFloat => b"ERR value is not a valid float"[..].into(),
            Self::WrongType => {
                b"WRONGTYPE Operation against a key holding the wrong kind of value"[..].into()
            }
            Self::Overflow => b"ERR increment or decrement would overflow"[..].into(),
            Self::InvalidExpire(cmd) => format!("ERR invalid expire time in '{cmd}' command")
                .into_bytes()
                .into(),
            Self::WrongArity(cmd) => format!("ERR wrong number of arguments for '{cmd}' command")
                .into_bytes()
                .into(),
            Self::UnknownCommand(t) | Self::UnknownSubcommand(t) => t[..].into(),
            Self::NoSuchKey => b"ERR no such key"[..].into(),
            Self::DbIndexOutOfRange => b"ERR DB index is out of range"[..].into(),
            Self::Other(t) => t.as_bytes().into(),
            Self::Owned(t) => t.as_bytes().into(),
        }
    }
}
