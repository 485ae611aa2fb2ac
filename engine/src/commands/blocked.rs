//! What every blocking command (BLPOP & co., BZPOPMIN & co.) does when its keys have nothing
//! to give: queue a waiter on all of them while their shard locks are still held (so no push
//! can slip between the check and the wait) and park the connection until the waiter ends.

use super::{Ctx, Flow};
use crate::blocking::{self, ServeFn, Waiter};
use crate::keyspace::{Shard, ShardGuards};
use crate::sync::Arc;

/// Blocks the calling client on `keys` until `serve` succeeds on one of them, the deadline
/// (Unix µs, 0: none) passes, or CLIENT UNBLOCK. The caller holds `guards` over the keys'
/// shards and has already found them empty.
pub(super) fn block(
    ctx: &mut Ctx<'_>,
    guards: &mut ShardGuards<'_, Shard>,
    keys: Vec<Vec<u8>>,
    deadline: u64,
    serve: ServeFn,
) {
    // Inside a transaction nothing waits: the command answers as if it had timed out.
    if ctx.in_exec() {
        ctx.out.null_array();
        return;
    }
    let waiter = Arc::new(Waiter::new(
        ctx.client.handle.clone(),
        ctx.client.db,
        keys,
        ctx.client.proto,
        serve,
    ));
    blocking::enqueue(guards, &waiter);
    ctx.flow = Flow::Block(waiter, deadline);
}

/// Makes the blocked command run again when served ([`crate::blocking::Serve::Retry`]),
/// instead of taking a reply written by the serving writer (BLMOVE).
pub(super) fn rerun_when_served(ctx: &mut Ctx<'_>, args: &super::Args<'_>) {
    if let Flow::Block(waiter, _) = &ctx.flow {
        waiter.set_rerun((0..args.len()).map(|i| args.arg(i).to_vec()).collect());
    }
}

/// The reply bytes of a served waiter, written in its protocol.
pub(super) fn reply_bytes(
    proto: resp::Protocol,
    write: impl FnOnce(&mut resp::ReplyWriter<'_>),
) -> Vec<u8> {
    let mut buf = Vec::new();
    write(&mut resp::ReplyWriter::new(&mut buf, proto));
    buf
}
