//! The frame parser: any RESP2/RESP3 value, nested, from a byte buffer that may hold only
//! part of it. `Ok(None)` means "need more"; hostile input (bad lengths, deep nesting, huge
//! declared sizes) gets an error, never a panic or an allocation sized by the peer.

use std::fmt;

use memchr::memchr;

use crate::frame::Frame;
use crate::int::parse_i64;

/// Limits for [`decode`]; the defaults fit replies, AOF files and the replication stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DecodeLimits {
    /// The deepest nesting of aggregates accepted.
    pub max_depth: usize,
    /// The longest bulk string accepted.
    pub max_bulk_len: usize,
}

impl Default for DecodeLimits {
    fn default() -> Self {
        Self {
            max_depth: 128,
            max_bulk_len: crate::request::DEFAULT_MAX_BULK_LEN,
        }
    }
}

/// Why a byte sequence is not a RESP value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DecodeError {
    /// The first byte is not a RESP type marker (streamed `?` types included).
    UnknownType(u8),
    /// A length, count or integer line is malformed or out of range.
    InvalidLength,
    /// A line or bulk payload is not followed by `\r\n`.
    InvalidCrlf,
    /// `,` line that is not a double.
    InvalidDouble,
    /// `#` line other than `t` or `f`.
    InvalidBoolean,
    /// `(` line that is not an integer.
    InvalidBigNumber,
    /// `=` payload without a three-byte format and `:`.
    InvalidVerbatim,
    /// Aggregates nested deeper than the limit.
    TooDeep,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UnknownType(b) => write!(f, "unknown RESP type byte 0x{b:02x}"),
            Self::InvalidLength => f.write_str("invalid length or integer"),
            Self::InvalidCrlf => f.write_str("missing CRLF"),
            Self::InvalidDouble => f.write_str("invalid double"),
            Self::InvalidBoolean => f.write_str("invalid boolean"),
            Self::InvalidBigNumber => f.write_str("invalid big number"),
            Self::InvalidVerbatim => f.write_str("invalid verbatim string"),
            Self::TooDeep => f.write_str("nesting too deep"),
        }
    }
}

impl std::error::Error for DecodeError {}

/// Parses one value from the start of `buf`: `Ok(Some((frame, consumed)))`, or `Ok(None)`
/// when `buf` ends before the value does.
pub fn decode(buf: &[u8], limits: &DecodeLimits) -> Result<Option<(Frame, usize)>, DecodeError> {
    let mut d = Decoder {
        buf,
        pos: 0,
        limits,
    };
    match d.value(0) {
        Ok(frame) => Ok(Some((frame, d.pos))),
        Err(Stop::Incomplete) => Ok(None),
        Err(Stop::Invalid(e)) => Err(e),
    }
}

enum Stop {
    Incomplete,
    Invalid(DecodeError),
}

impl From<DecodeError> for Stop {
    fn from(e: DecodeError) -> Self {
        Stop::Invalid(e)
    }
}

struct Decoder<'a, 'l> {
    buf: &'a [u8],
    pos: usize,
    limits: &'l DecodeLimits,
}

/// Aggregate capacity reserved up front at most, whatever count the peer declares.
const RESERVE_LIMIT: usize = 64;

impl<'a> Decoder<'a, '_> {
    fn value(&mut self, depth: usize) -> Result<Frame, Stop> {
        if depth > self.limits.max_depth {
            return Err(DecodeError::TooDeep.into());
        }
        let Some(&tag) = self.buf.get(self.pos) else {
            return Err(Stop::Incomplete);
        };
        self.pos += 1;
        let line = self.line()?;
        Ok(match tag {
            b'+' => Frame::Simple(line.to_vec()),
            b'-' => Frame::Error(line.to_vec()),
            b':' => Frame::Integer(parse_i64(line).ok_or(DecodeError::InvalidLength)?),
            b'$' => match self.length(line)? {
                None => Frame::Null,
                Some(n) => Frame::Bulk(self.payload(n)?.to_vec()),
            },
            b'!' => match self.length(line)? {
                None => return Err(DecodeError::InvalidLength.into()),
                Some(n) => Frame::BulkError(self.payload(n)?.to_vec()),
            },
            b'=' => match self.length(line)? {
                Some(n) if n >= 4 => {
                    let p = self.payload(n)?;
                    if p[3] != b':' {
                        return Err(DecodeError::InvalidVerbatim.into());
                    }
                    Frame::Verbatim {
                        format: [p[0], p[1], p[2]],
                        text: p[4..].to_vec(),
                    }
                }
                _ => return Err(DecodeError::InvalidVerbatim.into()),
            },
            b'*' => match self.count(line)? {
                None => Frame::NullArray,
                Some(n) => Frame::Array(self.list(n, depth)?),
            },
            b'~' => Frame::Set(self.list(self.some_count(line)?, depth)?),
            b'>' => Frame::Push(self.list(self.some_count(line)?, depth)?),
            b'%' => Frame::Map(self.pairs(self.some_count(line)?, depth)?),
            b'|' => {
                let attrs = self.pairs(self.some_count(line)?, depth)?;
                let value = Box::new(self.value(depth + 1)?);
                Frame::Attribute { attrs, value }
            }
            b'_' if line.is_empty() => Frame::Null,
            b'_' => return Err(DecodeError::InvalidLength.into()),
            b'#' => match line {
                b"t" => Frame::Boolean(true),
                b"f" => Frame::Boolean(false),
                _ => return Err(DecodeError::InvalidBoolean.into()),
            },
            b',' => Frame::Double(parse_double(line).ok_or(DecodeError::InvalidDouble)?),
            b'(' => {
                let digits = line.strip_prefix(b"-").unwrap_or(line);
                if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
                    return Err(DecodeError::InvalidBigNumber.into());
                }
                Frame::BigNumber(line.to_vec())
            }
            other => return Err(DecodeError::UnknownType(other).into()),
        })
    }

    /// The rest of the current line, without its `\r\n`.
    fn line(&mut self) -> Result<&'a [u8], Stop> {
        let rest = &self.buf[self.pos..];
        let Some(cr) = memchr(b'\r', rest) else {
            return Err(Stop::Incomplete);
        };
        match rest.get(cr + 1) {
            None => Err(Stop::Incomplete),
            Some(b'\n') => {
                self.pos += cr + 2;
                Ok(&rest[..cr])
            }
            Some(_) => Err(DecodeError::InvalidCrlf.into()),
        }
    }

    /// A bulk length: `-1` is null, otherwise `0..=max_bulk_len`.
    fn length(&self, line: &[u8]) -> Result<Option<usize>, Stop> {
        match parse_i64(line) {
            Some(-1) => Ok(None),
            Some(n) if n >= 0 && n as u64 <= self.limits.max_bulk_len as u64 => {
                Ok(Some(n as usize))
            }
            _ => Err(DecodeError::InvalidLength.into()),
        }
    }

    /// An aggregate count: `-1` is null, otherwise non-negative.
    fn count(&self, line: &[u8]) -> Result<Option<usize>, Stop> {
        match parse_i64(line) {
            Some(-1) => Ok(None),
            Some(n) if n >= 0 => usize::try_from(n)
                .map(Some)
                .map_err(|_| DecodeError::InvalidLength.into()),
            _ => Err(DecodeError::InvalidLength.into()),
        }
    }

    fn some_count(&self, line: &[u8]) -> Result<usize, Stop> {
        self.count(line)?
            .ok_or_else(|| DecodeError::InvalidLength.into())
    }

    fn payload(&mut self, n: usize) -> Result<&'a [u8], Stop> {
        let rest = &self.buf[self.pos..];
        if rest.len() < n.saturating_add(2) {
            return Err(Stop::Incomplete);
        }
        if &rest[n..n + 2] != b"\r\n" {
            return Err(DecodeError::InvalidCrlf.into());
        }
        self.pos += n + 2;
        Ok(&rest[..n])
    }

    fn list(&mut self, n: usize, depth: usize) -> Result<Vec<Frame>, Stop> {
        let mut items = Vec::with_capacity(n.min(RESERVE_LIMIT));
        for _ in 0..n {
            items.push(self.value(depth + 1)?);
        }
        Ok(items)
    }

    fn pairs(&mut self, n: usize, depth: usize) -> Result<Vec<(Frame, Frame)>, Stop> {
        let mut items = Vec::with_capacity(n.min(RESERVE_LIMIT));
        for _ in 0..n {
            let k = self.value(depth + 1)?;
            items.push((k, self.value(depth + 1)?));
        }
        Ok(items)
    }
}

/// RESP3 double text: `inf`, `-inf`, `nan`, or a decimal/exponent number.
fn parse_double(line: &[u8]) -> Option<f64> {
    match line {
        b"inf" | b"+inf" => return Some(f64::INFINITY),
        b"-inf" => return Some(f64::NEG_INFINITY),
        b"nan" | b"-nan" => return Some(f64::NAN),
        _ => {}
    }
    if line.is_empty()
        || !line
            .iter()
            .all(|c| matches!(c, b'0'..=b'9' | b'.' | b'e' | b'E' | b'+' | b'-'))
    {
        return None;
    }
    std::str::from_utf8(line).ok()?.parse().ok()
}

#[cfg(test)]
mod tests;
