//! Protocol errors of the request parser, one variant per message Valkey sends.

use std::fmt;

/// A malformed request. The connection answers `-ERR <message>` and then closes, as Valkey does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProtocolError {
    /// `*<count>` is not an integer or exceeds the argument limit.
    InvalidMultibulkLength,
    /// `$<len>` is not an integer, is negative, or exceeds `proto-max-bulk-len`.
    InvalidBulkLength,
    /// An argument of a multibulk request did not start with `$`.
    ExpectedDollar(u8),
    /// A line or bulk was not terminated by `\r\n`.
    InvalidCrlf,
    /// An inline request grew past the inline limit without a newline.
    TooBigInlineRequest,
    /// The `*<count>` line grew past the inline limit without `\r`.
    TooBigMbulkCountString,
    /// A `$<len>` line grew past the inline limit without `\r`.
    TooBigBulkCountString,
    /// An inline request has an unterminated quote.
    UnbalancedQuotes,
    /// An unauthenticated client sent more than 10 arguments.
    UnauthenticatedMultibulkLength,
    /// An unauthenticated client sent an argument longer than 16 KiB.
    UnauthenticatedBulkLength,
}

impl ProtocolError {
    /// The message after `-ERR `, byte-exact with Valkey (`\r`/`\n` shown as spaces).
    pub fn message(&self) -> Vec<u8> {
        let fixed: &str = match self {
            Self::InvalidMultibulkLength => "invalid multibulk length",
            Self::InvalidBulkLength => "invalid bulk length",
            Self::InvalidCrlf => "invalid CRLF in request",
            Self::TooBigInlineRequest => "too big inline request",
            Self::TooBigMbulkCountString => "too big mbulk count string",
            Self::TooBigBulkCountString => "too big bulk count string",
            Self::UnbalancedQuotes => "unbalanced quotes in request",
            Self::UnauthenticatedMultibulkLength => "unauthenticated multibulk length",
            Self::UnauthenticatedBulkLength => "unauthenticated bulk length",
            Self::ExpectedDollar(got) => {
                let got = if matches!(got, b'\r' | b'\n') {
                    b' '
                } else {
                    *got
                };
                let mut m = b"Protocol error: expected '$', got '".to_vec();
                m.push(got);
                m.push(b'\'');
                return m;
            }
        };
        format!("Protocol error: {fixed}").into_bytes()
    }
}

impl fmt::Display for ProtocolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&String::from_utf8_lossy(&self.message()))
    }
}

impl std::error::Error for ProtocolError {}
