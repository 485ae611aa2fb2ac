//! `resp`: the sans-IO RESP2/RESP3 codec every ferrokey crate uses.
//!
//! - [`RequestParser`] reads client requests (multibulk and inline) from the caller's buffer,
//!   incrementally and without copying multibulk arguments.
//! - [`ReplyWriter`] appends replies of every RESP3 type to a caller-owned `Vec<u8>`,
//!   downgraded for RESP2 clients exactly as Valkey does.
//! - [`decode`] parses any RESP value into a [`Frame`] (replies, AOF, replication).
//!
//! Nothing here performs I/O, reads a clock or allocates per request once warm.

#![forbid(unsafe_code)]

mod decode;
pub mod double;
mod error;
mod frame;
mod inline;
pub mod int;
mod request;
mod writer;

pub use decode::{decode, DecodeError, DecodeLimits};
pub use error::ProtocolError;
pub use frame::Frame;
pub use inline::split_line;
pub use request::{
    Limits, Request, RequestParser, DEFAULT_MAX_ARGS, DEFAULT_MAX_BULK_LEN, INLINE_MAX,
};
pub use writer::{encode_command, Protocol, ReplyWriter};
