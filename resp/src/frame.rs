//! An owned RESP2/RESP3 value: what the frame parser returns (replies read by tests, AOF
//! loading, replication) and what can be encoded back through [`ReplyWriter`].

use crate::writer::{Protocol, ReplyWriter};

/// Any RESP2 or RESP3 value.
#[derive(Clone, Debug)]
pub enum Frame {
    /// `+text`
    Simple(Vec<u8>),
    /// `-text`
    Error(Vec<u8>),
    /// `:n`
    Integer(i64),
    /// `$len` data
    Bulk(Vec<u8>),
    /// `_` (RESP3) or `$-1` (RESP2)
    Null,
    /// `*-1` (RESP2); RESP3 writes it as `_`
    NullArray,
    /// `*n`
    Array(Vec<Frame>),
    /// `%n` key/value pairs
    Map(Vec<(Frame, Frame)>),
    /// `~n`
    Set(Vec<Frame>),
    /// `>n` out-of-band data (pub/sub, invalidation)
    Push(Vec<Frame>),
    /// `,d`
    Double(f64),
    /// `#t` / `#f`
    Boolean(bool),
    /// `(digits`
    BigNumber(Vec<u8>),
    /// `=len` `fmt:text`
    Verbatim {
        /// Three-byte format, e.g. `txt` or `mkd`.
        format: [u8; 3],
        /// The text after `fmt:`.
        text: Vec<u8>,
    },
    /// `!len` error text
    BulkError(Vec<u8>),
    /// `|n` attribute pairs describing the value that follows
    Attribute {
        /// The attribute pairs.
        attrs: Vec<(Frame, Frame)>,
        /// The value they describe.
        value: Box<Frame>,
    },
}

impl PartialEq for Frame {
    /// Structural equality where every NaN equals every NaN and `-0.0 != 0.0`, so that a value
    /// that survives an encode/parse round trip compares equal to itself.
    fn eq(&self, other: &Self) -> bool {
        use Frame::*;
        match (self, other) {
            (Double(a), Double(b)) => (a.is_nan() && b.is_nan()) || a.to_bits() == b.to_bits(),
            (Simple(a), Simple(b)) | (Error(a), Error(b)) | (Bulk(a), Bulk(b)) => a == b,
            (BigNumber(a), BigNumber(b)) | (BulkError(a), BulkError(b)) => a == b,
            (Integer(a), Integer(b)) => a == b,
            (Boolean(a), Boolean(b)) => a == b,
            (Null, Null) | (NullArray, NullArray) => true,
            (Array(a), Array(b)) | (Set(a), Set(b)) | (Push(a), Push(b)) => a == b,
            (Map(a), Map(b)) => a == b,
            (
                Verbatim {
                    format: f1,
                    text: t1,
                },
                Verbatim {
                    format: f2,
                    text: t2,
                },
            ) => f1 == f2 && t1 == t2,
            (
                Attribute {
                    attrs: a1,
                    value: v1,
                },
                Attribute {
                    attrs: a2,
                    value: v2,
                },
            ) => a1 == a2 && v1 == v2,
            _ => false,
        }
    }
}

impl Frame {
    /// Appends this value to `out` as a client speaking `proto` would receive it.
    pub fn encode(&self, out: &mut Vec<u8>, proto: Protocol) {
        self.write(&mut ReplyWriter::new(out, proto));
    }

    /// Writes this value through `w`.
    pub fn write(&self, w: &mut ReplyWriter<'_>) {
        match self {
            Frame::Simple(s) => w.simple(s),
            Frame::Error(s) => w.error(s),
            Frame::Integer(n) => w.integer(*n),
            Frame::Bulk(s) => w.bulk(s),
            Frame::Null => w.null(),
            Frame::NullArray => w.null_array(),
            Frame::Array(items) => {
                w.array(items.len());
                items.iter().for_each(|f| f.write(w));
            }
            Frame::Set(items) => {
                w.set(items.len());
                items.iter().for_each(|f| f.write(w));
            }
            Frame::Push(items) => {
                w.push(items.len());
                items.iter().for_each(|f| f.write(w));
            }
            Frame::Map(pairs) => {
                w.map(pairs.len());
                write_pairs(w, pairs);
            }
            Frame::Double(d) => w.double(*d),
            Frame::Boolean(b) => w.boolean(*b),
            Frame::BigNumber(s) => w.big_number(s),
            Frame::Verbatim { format, text } => w.verbatim(*format, text),
            Frame::BulkError(s) => w.bulk_error(s),
            Frame::Attribute { attrs, value } => {
                if w.attribute(attrs.len()) {
                    write_pairs(w, attrs);
                }
                value.write(w);
            }
        }
    }
}

impl Frame {
    /// The value a client speaking `proto` reads back after this one is encoded for it:
    /// RESP3 merges the two nulls; RESP2 flattens maps, drops attributes, and turns doubles,
    /// big numbers and verbatim strings into bulk strings and booleans into integers.
    pub fn as_received(&self, proto: Protocol) -> Frame {
        let list = |items: &[Frame]| {
            items
                .iter()
                .map(|f| f.as_received(proto))
                .collect::<Vec<_>>()
        };
        let pairs = |items: &[(Frame, Frame)]| {
            items
                .iter()
                .map(|(k, v)| (k.as_received(proto), v.as_received(proto)))
                .collect::<Vec<_>>()
        };
        let sanitized = |s: &[u8]| {
            s.iter()
                .map(|&b| if matches!(b, b'\r' | b'\n') { b' ' } else { b })
                .collect()
        };
        match (self, proto) {
            (Frame::Simple(s), _) => Frame::Simple(sanitized(s)),
            (Frame::Error(s), _) => Frame::Error(sanitized(s)),
            (Frame::NullArray, Protocol::Resp3) => Frame::Null,
            (Frame::Array(items), _) => Frame::Array(list(items)),
            (Frame::Set(items), Protocol::Resp3) => Frame::Set(list(items)),
            (Frame::Push(items), Protocol::Resp3) => Frame::Push(list(items)),
            (Frame::Map(items), Protocol::Resp3) => Frame::Map(pairs(items)),
            (Frame::Attribute { attrs, value }, Protocol::Resp3) => Frame::Attribute {
                attrs: pairs(attrs),
                value: Box::new(value.as_received(proto)),
            },
            (Frame::Set(items) | Frame::Push(items), Protocol::Resp2) => Frame::Array(list(items)),
            (Frame::Map(items), Protocol::Resp2) => Frame::Array(
                items
                    .iter()
                    .flat_map(|(k, v)| [k.as_received(proto), v.as_received(proto)])
                    .collect(),
            ),
            (Frame::Attribute { value, .. }, Protocol::Resp2) => value.as_received(proto),
            (Frame::Double(d), Protocol::Resp2) => {
                let mut buf = [0u8; crate::double::MAX_DOUBLE_LEN];
                Frame::Bulk(crate::double::format_double(*d, &mut buf).to_vec())
            }
            (Frame::Boolean(b), Protocol::Resp2) => Frame::Integer(i64::from(*b)),
            (Frame::BigNumber(s), Protocol::Resp2) => Frame::Bulk(s.clone()),
            (Frame::Verbatim { text, .. }, Protocol::Resp2) => Frame::Bulk(text.clone()),
            (Frame::BulkError(s), Protocol::Resp2) => Frame::Error(sanitized(s)),
            (other, _) => other.clone(),
        }
    }
}

fn write_pairs(w: &mut ReplyWriter<'_>, pairs: &[(Frame, Frame)]) {
    for (k, v) in pairs {
        k.write(w);
        v.write(w);
    }
}

#[cfg(any(test, feature = "arbitrary"))]
mod arbitrary_impl {
    //! `Arbitrary` frames for fuzzing: only values RESP can carry (no CR/LF in line types,
    //! digits in big numbers), nested a few levels deep.
    use super::Frame;
    use arbitrary::{Arbitrary, Result, Unstructured};

    fn line(u: &mut Unstructured<'_>) -> Result<Vec<u8>> {
        let mut v: Vec<u8> = u.arbitrary()?;
        v.retain(|b| !matches!(b, b'\r' | b'\n'));
        Ok(v)
    }

    fn frame(u: &mut Unstructured<'_>, depth: u32) -> Result<Frame> {
        let kinds = if depth == 0 { 10 } else { 16 };
        Ok(match u.choose_index(kinds)? {
            0 => Frame::Simple(line(u)?),
            1 => Frame::Error(line(u)?),
            2 => Frame::Integer(u.arbitrary()?),
            3 => Frame::Bulk(u.arbitrary()?),
            4 => Frame::Null,
            5 => Frame::Double(u.arbitrary()?),
            6 => Frame::Boolean(u.arbitrary()?),
            7 => {
                let n: i128 = u.arbitrary()?;
                Frame::BigNumber(n.to_string().into_bytes())
            }
            8 => Frame::Verbatim {
                format: *b"txt",
                text: u.arbitrary()?,
            },
            9 => Frame::BulkError(u.arbitrary()?),
            10 => Frame::Array(list(u, depth)?),
            11 => Frame::Set(list(u, depth)?),
            12 => Frame::Push(list(u, depth)?),
            13 => Frame::Map(pairs(u, depth)?),
            14 => Frame::Attribute {
                attrs: pairs(u, depth)?,
                value: Box::new(frame(u, depth - 1)?),
            },
            _ => Frame::NullArray,
        })
    }

    fn list(u: &mut Unstructured<'_>, depth: u32) -> Result<Vec<Frame>> {
        let n = u.int_in_range(0..=4)?;
        (0..n).map(|_| frame(u, depth - 1)).collect()
    }

    fn pairs(u: &mut Unstructured<'_>, depth: u32) -> Result<Vec<(Frame, Frame)>> {
        let n = u.int_in_range(0..=3)?;
        (0..n)
            .map(|_| Ok((frame(u, depth - 1)?, frame(u, depth - 1)?)))
            .collect()
    }

    impl<'a> Arbitrary<'a> for Frame {
        fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
            frame(u, 4)
        }
    }
}
