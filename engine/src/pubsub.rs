//! Pub/Sub: who listens to which channel, pattern and shard channel, and each client's
//! mailbox of pushed messages.
//!
//! A publisher encodes the message in each receiver's protocol and appends it to the
//! receiver's mailbox under the registry's read lock, then wakes the receiver's connection,
//! which moves the mailbox into its output ahead of its next reply. Subscribing and
//! unsubscribing take the write lock, so once an UNSUBSCRIBE has left the registry no
//! publisher can still reach that client through that channel: the connection empties its
//! mailbox before writing the unsubscribe reply, so every message published before it
//! arrives before it, and none after.

use std::collections::HashMap;

use resp::{Protocol, ReplyWriter};

use crate::clients::ClientHandle;
use crate::glob::glob_match;
use crate::sync::{lock, lock_read, lock_write, Arc, AtomicBool, Mutex, Ordering, RwLock};

/// Which namespace a subscription lives in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// SUBSCRIBE / PUBLISH.
    Channel,
    /// PSUBSCRIBE (glob patterns over channels).
    Pattern,
    /// SSUBSCRIBE / SPUBLISH.
    Shard,
}

type Subscribers = HashMap<Box<[u8]>, Vec<Arc<ClientHandle>>>;

/// The server's subscriptions.
#[derive(Debug, Default)]
pub struct PubSub {
    channels: RwLock<Subscribers>,
    patterns: RwLock<Subscribers>,
    shard_channels: RwLock<Subscribers>,
}

impl PubSub {
    fn table(&self, kind: Kind) -> &RwLock<Subscribers> {
        match kind {
            Kind::Channel => &self.channels,
            Kind::Pattern => &self.patterns,
            Kind::Shard => &self.shard_channels,
        }
    }

    /// Adds `client` to `name`'s subscribers (the caller knows it was not there).
    pub fn subscribe(&self, kind: Kind, name: &[u8], client: &Arc<ClientHandle>) {
        lock_write(self.table(kind))
            .entry(name.into())
            .or_default()
            .push(client.clone());
    }

    /// Removes `client` from `name`'s subscribers.
    pub fn unsubscribe(&self, kind: Kind, name: &[u8], client: &ClientHandle) {
        let mut table = lock_write(self.table(kind));
        if let Some(list) = table.get_mut(name) {
            list.retain(|c| c.id != client.id);
            if list.is_empty() {
                table.remove(name);
            }
        }
    }

    /// PUBLISH (`shard` false) / SPUBLISH (true): delivers `message` to every subscriber of
    /// `channel` and, for PUBLISH, of every matching pattern; returns how many received it.
    pub fn publish(&self, channel: &[u8], message: &[u8], shard: bool, limit: u64) -> usize {
        let mut receivers = 0;
        let (table, kind) = if shard {
            (&self.shard_channels, &b"smessage"[..])
        } else {
            (&self.channels, &b"message"[..])
        };
        if let Some(list) = lock_read(table).get(channel) {
            for c in list {
                c.mailbox.deliver(limit, |w| {
                    w.push(3);
                    w.bulk(kind);
                    w.bulk(channel);
                    w.bulk(message);
                });
                c.wake();
                receivers += 1;
            }
        }
        if !shard {
            for (pattern, list) in lock_read(&self.patterns).iter() {
                if !glob_match(pattern, channel) {
                    continue;
                }
                for c in list {
                    c.mailbox.deliver(limit, |w| {
                        w.push(4);
                        w.bulk(b"pmessage");
                        w.bulk(pattern);
                        w.bulk(channel);
                        w.bulk(message);
                    });
                    c.wake();
                    receivers += 1;
                }
            }
        }
        receivers
    }

    /// Names with at least one subscriber, optionally only those matching `pattern`
    /// (PUBSUB CHANNELS / SHARDCHANNELS).
    pub fn active(&self, kind: Kind, pattern: Option<&[u8]>) -> Vec<Vec<u8>> {
        lock_read(self.table(kind))
            .keys()
            .filter(|name| pattern.is_none_or(|p| glob_match(p, name)))
            .map(|name| name.to_vec())
            .collect()
    }

    /// Subscribers of `name` (PUBSUB NUMSUB / SHARDNUMSUB).
    pub fn count(&self, kind: Kind, name: &[u8]) -> usize {
        lock_read(self.table(kind)).get(name).map_or(0, Vec::len)
    }

    /// Distinct names with subscribers (PUBSUB NUMPAT, INFO pubsub_channels).
    pub fn len(&self, kind: Kind) -> usize {
        lock_read(self.table(kind)).len()
    }
}

/// Messages pushed to one client and not yet moved into its output.
#[derive(Debug, Default)]
pub struct Mailbox {
    inner: Mutex<MailboxInner>,
    /// Set while `inner` holds bytes: the connection checks this on its hot path.
    has_mail: AtomicBool,
}

#[derive(Debug, Default)]
struct MailboxInner {
    bytes: Vec<u8>,
    /// The client's protocol: messages are encoded in it.
    resp3: bool,
    /// Over the pub/sub output limit: drop everything until the connection closes.
    overflowed: bool,
}

impl Mailbox {
    /// Appends what `write` encodes in the client's protocol. Past `limit` bytes (the
    /// pub/sub hard output limit, 0: none) the mailbox stops taking messages and reports
    /// the overflow to the connection, which closes: a slow subscriber never makes the
    /// publisher wait or buffer without bound.
    pub fn deliver(&self, limit: u64, write: impl FnOnce(&mut ReplyWriter<'_>)) {
        let mut inner = lock(&self.inner);
        if inner.overflowed {
            return;
        }
        let proto = if inner.resp3 {
            Protocol::Resp3
        } else {
            Protocol::Resp2
        };
        write(&mut ReplyWriter::new(&mut inner.bytes, proto));
        if limit > 0 && inner.bytes.len() as u64 > limit {
            inner.overflowed = true;
            inner.bytes = Vec::new();
        }
        self.has_mail.store(true, Ordering::Release);
    }

    /// Moves the pending messages to the end of `out`; returns true when there were any,
    /// or [`Overflowed`] (the connection must close).
    pub fn drain_into(&self, out: &mut Vec<u8>) -> Result<bool, Overflowed> {
        if !self.has_mail.load(Ordering::Acquire) {
            return Ok(false);
        }
        let mut inner = lock(&self.inner);
        if inner.overflowed {
            // Stays flagged: every later check reports it until the connection is gone.
            return Err(Overflowed);
        }
        self.has_mail.store(false, Ordering::Release);
        out.extend_from_slice(&inner.bytes);
        inner.bytes.clear();
        Ok(true)
    }

    /// The protocol later messages are encoded in (HELLO switched it).
    pub fn set_protocol(&self, proto: Protocol) {
        lock(&self.inner).resp3 = proto == Protocol::Resp3;
    }
}

/// A mailbox went over the pub/sub output limit: its client is disconnected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Overflowed;

/// What one client is subscribed to, in subscription order.
#[derive(Debug, Default)]
pub struct Subscriptions {
    /// SUBSCRIBE.
    pub channels: Vec<Box<[u8]>>,
    /// PSUBSCRIBE.
    pub patterns: Vec<Box<[u8]>>,
    /// SSUBSCRIBE.
    pub shard: Vec<Box<[u8]>>,
}

impl Subscriptions {
    /// The client's list for `kind`.
    pub fn of(&mut self, kind: Kind) -> &mut Vec<Box<[u8]>> {
        match kind {
            Kind::Channel => &mut self.channels,
            Kind::Pattern => &mut self.patterns,
            Kind::Shard => &mut self.shard,
        }
    }

    /// The count subscribe replies show: channels and patterns together, shard channels
    /// apart (as Valkey).
    pub fn count(&self, kind: Kind) -> usize {
        match kind {
            Kind::Channel | Kind::Pattern => self.channels.len() + self.patterns.len(),
            Kind::Shard => self.shard.len(),
        }
    }

    /// Shows the counts and the pub/sub mode to other clients (CLIENT LIST, INFO).
    pub fn publish_counts(&self, client: &ClientHandle) {
        for (slot, n) in client.sub_counts.iter().zip([
            self.channels.len(),
            self.patterns.len(),
            self.shard.len(),
        ]) {
            slot.store(n, Ordering::Release);
        }
    }

    /// True while subscribed to anything (RESP2 subscribed mode).
    pub fn any(&self) -> bool {
        !(self.channels.is_empty() && self.patterns.is_empty() && self.shard.is_empty())
    }

    /// Leaves every subscription (the connection closed or RESET).
    pub fn leave_all(&mut self, pubsub: &PubSub, client: &ClientHandle) {
        for kind in [Kind::Channel, Kind::Pattern, Kind::Shard] {
            for name in std::mem::take(self.of(kind)) {
                pubsub.unsubscribe(kind, &name, client);
            }
        }
        self.publish_counts(client);
    }
}
