//! Clients blocked on keys (BLPOP, BLMOVE, BZPOPMIN, …): per-key FIFO queues of waiters kept
//! in each shard, served by whichever command makes data appear, while it still holds the
//! shard's lock (see [`crate::keyspace::BeforeUnlock`]): no other command can come between a
//! push and the waiters it satisfies, and waiters are served in arrival order.
//!
//! A waiter may sit in several queues (several keys, several shards). Its state decides who
//! owns it: exactly one of "served by a writer", "timed out", "unblocked" or "gone" wins a
//! compare-and-swap out of `WAITING`; the loser leaves it alone. So an element goes to one
//! waiter only, and a waiter that timed out or disconnected takes nothing.
//!
//! Waking is plain `std::task::Waker` machinery: the winner stores the reply and wakes the
//! client's connection through its registry handle; the connection's runtime task, whatever
//! executor runs it, then finds the reply in [`crate::Connection::poll_ready`].

use std::collections::VecDeque;

use resp::Protocol;

use crate::clients::ClientHandle;
use crate::keyspace::Shard;
use crate::sync::{lock, Arc, AtomicU8, Mutex, Ordering};

const WAITING: u8 = 0;
/// A writer won the waiter and is writing its reply (not yet delivered).
const CLAIMED: u8 = 1;
const SERVED: u8 = 2;
const TIMED_OUT: u8 = 3;
const UNBLOCKED: u8 = 4;
const GONE: u8 = 5;

/// How a blocked command ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ending {
    /// A writer served it: these are the reply bytes.
    Served(Vec<u8>),
    /// Its timeout passed, or `CLIENT UNBLOCK … TIMEOUT`: the null reply.
    TimedOut,
    /// `CLIENT UNBLOCK … ERROR`.
    Unblocked,
    /// Data arrived: run the command again (`argv`) and let it reply (BLMOVE).
    Rerun(Vec<Vec<u8>>),
}

/// What the serving writer found at the key for one waiter.
#[derive(Debug)]
pub enum Serve {
    /// Nothing to take yet (no key, or an empty value): the waiter keeps waiting.
    Empty,
    /// The waiter was already claimed elsewhere: drop it from this queue.
    Lost,
    /// Claimed and answered (data taken, or an error such as WRONGTYPE).
    Served(Vec<u8>),
    /// Claimed; the client runs its command again to take the data itself.
    Retry,
}

/// Puts back what a serve step took (run under the lock of the key it took from), for a
/// client that disconnected before its reply reached it.
pub type Undo = Box<dyn FnOnce(&mut Shard, u64) + Send>;

/// Runs a blocked command's "data is here" step against `key` in `shard` (locked) at
/// `now_ms`; it captures the command's options. It must call [`Waiter::claim`] before taking
/// anything and return [`Serve::Lost`] if that fails.
pub type ServeFn = Box<dyn Fn(&mut Shard, &[u8], &Waiter, u64) -> Serve + Send + Sync>;

/// One blocked command.
pub struct Waiter {
    /// The blocked client (woken through it).
    pub client: Arc<ClientHandle>,
    /// The client's database when it blocked.
    pub db: usize,
    /// The keys it waits on, in command order.
    pub keys: Vec<Vec<u8>>,
    /// The protocol its reply is written in.
    pub proto: Protocol,
    /// What to do when a key has data.
    pub serve: ServeFn,
    state: AtomicU8,
    reply: Mutex<Option<Ending>>,
    /// The command to run again when served with [`Serve::Retry`].
    rerun: Mutex<Vec<Vec<u8>>>,
    /// How to give back what serving took.
    undo: Mutex<UndoSlot>,
}

impl std::fmt::Debug for Waiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Waiter")
            .field("client", &self.client.id)
            .field("db", &self.db)
            .field("keys", &self.keys)
            .field("state", &self.state)
            .finish_non_exhaustive()
    }
}

/// `(key, undo)` once a serve step took elements from `key`.
#[derive(Default)]
struct UndoSlot(Option<(Vec<u8>, Undo)>);

impl std::fmt::Debug for UndoSlot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("UndoSlot")
            .field(&self.0.as_ref().map(|(k, _)| k))
            .finish()
    }
}

impl Waiter {
    /// A waiter in state waiting.
    pub fn new(
        client: Arc<ClientHandle>,
        db: usize,
        keys: Vec<Vec<u8>>,
        proto: Protocol,
        serve: ServeFn,
    ) -> Self {
        Self {
            client,
            db,
            keys,
            proto,
            serve,
            state: AtomicU8::new(WAITING),
            reply: Mutex::new(None),
            rerun: Mutex::new(Vec::new()),
            undo: Mutex::new(UndoSlot::default()),
        }
    }

    fn move_out(&self, to: u8) -> bool {
        self.state
            .compare_exchange(WAITING, to, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
    }

    /// Claims the waiter for serving; false when it already ended (served on another key,
    /// timed out, unblocked, disconnected).
    pub fn claim(&self) -> bool {
        self.move_out(CLAIMED)
    }

    /// Ends the wait by timeout (deadline or `CLIENT UNBLOCK … TIMEOUT`); false if it had
    /// already ended.
    pub fn time_out(&self) -> bool {
        self.move_out(TIMED_OUT)
    }

    /// Ends the wait by `CLIENT UNBLOCK … ERROR`; false if it had already ended.
    pub fn unblock(&self) -> bool {
        self.move_out(UNBLOCKED)
    }

    /// Ends the wait because the client is gone; false if it had already ended.
    pub fn abandon(&self) -> bool {
        self.move_out(GONE)
    }

    /// True while no one has ended the wait.
    pub fn is_waiting(&self) -> bool {
        self.state.load(Ordering::Acquire) == WAITING
    }

    /// How it ended; `None` while waiting, or claimed by a writer that has not delivered
    /// the reply yet (the delivery wakes the client).
    pub fn ending(&self) -> Option<Ending> {
        match self.state.load(Ordering::Acquire) {
            SERVED => lock(&self.reply).take(),
            TIMED_OUT => Some(Ending::TimedOut),
            UNBLOCKED => Some(Ending::Unblocked),
            _ => None,
        }
    }

    /// True once the wait has ended with something to reply.
    pub fn ended(&self) -> bool {
        matches!(
            self.state.load(Ordering::Acquire),
            SERVED | TIMED_OUT | UNBLOCKED
        )
    }

    /// Sets the command to run again when served with [`Serve::Retry`].
    pub fn set_rerun(&self, argv: Vec<Vec<u8>>) {
        *lock(&self.rerun) = argv;
    }

    /// Stores a claimed waiter's ending, then marks it served and wakes its connection.
    fn deliver(&self, ending: Ending) {
        *lock(&self.reply) = Some(ending);
        self.state.store(SERVED, Ordering::Release);
        self.client.wake();
    }

    /// Records how to put back what a serve step took from `key` (called by the serve step
    /// of a command that takes elements: pops, not moves).
    pub fn set_undo(&self, key: &[u8], undo: Undo) {
        lock(&self.undo).0 = Some((key.to_vec(), undo));
    }

    /// Wakes the waiter's connection after [`Waiter::time_out`] or [`Waiter::unblock`] from
    /// another client (CLIENT UNBLOCK).
    pub fn wake(&self) {
        self.client.wake();
    }
}

/// The waiters of one shard: a FIFO per key, and the keys written since the lock was taken.
#[derive(Debug, Default)]
pub struct Queues {
    by_key: std::collections::HashMap<Box<[u8]>, VecDeque<Arc<Waiter>>>,
    ready: Vec<Box<[u8]>>,
}

impl Queues {
    /// Appends `waiter` to `key`'s queue.
    pub fn add(&mut self, key: &[u8], waiter: Arc<Waiter>) {
        self.by_key.entry(key.into()).or_default().push_back(waiter);
    }

    /// Removes `waiter` from `key`'s queue (it timed out or its client left).
    pub fn remove(&mut self, key: &[u8], waiter: &Arc<Waiter>) {
        if let Some(q) = self.by_key.get_mut(key) {
            q.retain(|w| !Arc::ptr_eq(w, waiter));
            if q.is_empty() {
                self.by_key.remove(key);
            }
        }
    }

    /// Notes that `key` was written: if someone waits on it, it is served before unlock.
    pub fn touched(&mut self, key: &[u8]) {
        if !self.by_key.is_empty()
            && self.by_key.contains_key(key)
            && !self.ready.iter().any(|k| &**k == key)
        {
            self.ready.push(key.into());
        }
    }

    /// Marks every key someone waits on (SWAPDB brought in a whole new set of keys).
    pub fn touch_all(&mut self) {
        self.ready = self.by_key.keys().cloned().collect();
    }

    /// True when a write since the lock was taken may have satisfied a waiter.
    pub fn has_ready(&self) -> bool {
        !self.ready.is_empty()
    }

    /// Waiters queued on `key` (tests, INFO).
    pub fn waiting_on(&self, key: &[u8]) -> usize {
        self.by_key.get(key).map_or(0, VecDeque::len)
    }

    /// Keys with at least one waiter.
    pub fn keys(&self) -> usize {
        self.by_key.len()
    }
}

/// Serves, in arrival order, the waiters of every key written under this lock, while each
/// key has something to give. Called with the shard locked, just before it is released.
pub fn serve_ready(shard: &mut Shard, now_ms: u64) {
    // Taken out while serving: the serve steps write the same keys, which must not re-mark.
    let mut queues = std::mem::take(shard.waiters_mut());
    // In the order the keys were written, as Valkey serves its ready keys.
    let ready = std::mem::take(&mut queues.ready);
    for key in ready {
        while let Some(waiter) = queues.by_key.get(&key).and_then(|q| q.front()).cloned() {
            let outcome = if waiter.is_waiting() {
                (waiter.serve)(shard, &key, &waiter, now_ms)
            } else {
                Serve::Lost
            };
            let rerun = matches!(outcome, Serve::Retry);
            match outcome {
                Serve::Empty => break,
                Serve::Lost => {}
                Serve::Served(reply) => waiter.deliver(Ending::Served(reply)),
                Serve::Retry => {
                    let argv = std::mem::take(&mut *lock(&waiter.rerun));
                    waiter.deliver(Ending::Rerun(argv));
                }
            }
            if let Some(q) = queues.by_key.get_mut(&key) {
                q.pop_front();
                if q.is_empty() {
                    queues.by_key.remove(&key);
                }
            }
            if rerun {
                // One rerun at a time: its write to the key (or its failure) serves the next
                // waiter, so waiters keep their order instead of racing for the element.
                break;
            }
        }
    }
    *shard.waiters_mut() = queues;
}

/// A keyspace event of a served waiter: `(class, event, db, key)`.
pub type Event = (u32, &'static str, usize, Vec<u8>);

std::thread_local! {
    /// The events of the waiters served on this thread while a writer collects them.
    static SERVED_EVENTS: std::cell::RefCell<Option<Vec<Event>>> = const { std::cell::RefCell::new(None) };
}

/// Collects, until taken or dropped, the keyspace events of the waiters that the shard
/// unlocks on this thread serve (a BLPOP's `lpop` and `del`): serve steps run without a
/// server, so the writer that released the lock publishes them, after its own events, as
/// Valkey serves blocked clients after the command that fed them.
#[derive(Debug)]
pub struct ServedEvents {
    before: Option<Vec<Event>>,
}

impl ServedEvents {
    /// Starts collecting.
    pub fn collect() -> Self {
        Self {
            before: SERVED_EVENTS.replace(Some(Vec::new())),
        }
    }

    /// The events collected so far, in order.
    pub fn take(&self) -> Vec<Event> {
        SERVED_EVENTS.with_borrow_mut(|s| s.as_mut().map(std::mem::take).unwrap_or_default())
    }
}

impl Drop for ServedEvents {
    fn drop(&mut self) {
        SERVED_EVENTS.set(self.before.take());
    }
}

/// Called by a serve step: the served waiter's command did `event` to `key` in `db`. Lost
/// when no writer collects (the waiter was served by a command that does not publish).
pub fn served_event(class: u32, event: &'static str, db: usize, key: &[u8]) {
    SERVED_EVENTS.with_borrow_mut(|s| {
        if let Some(events) = s {
            events.push((class, event, db, key.to_vec()));
        }
    });
}

/// A blocking command's timeout argument (seconds, fractions allowed) as a deadline in Unix
/// microseconds, 0 for "forever"; Valkey's errors and rounding (up to the millisecond).
pub fn parse_timeout(arg: &[u8], now_us: u64) -> Result<u64, crate::commands::CmdError> {
    use crate::commands::CmdError;
    // Valkey parses it as a `long double` (strtold: `0x` hexadecimal too).
    let secs = crate::commands::parse_long_double(arg).ok_or(CmdError::Other(
        "ERR timeout is not a float or out of range",
    ))?;
    let ms = (secs * 1000.0).ceil();
    if ms > i64::MAX as f64 {
        return Err(CmdError::Other("ERR timeout is out of range"));
    }
    if ms < 0.0 {
        return Err(CmdError::Other("ERR timeout is negative"));
    }
    let ms = ms as u64;
    if ms == 0 {
        return Ok(0);
    }
    let now_ms = now_us / 1000;
    if ms > i64::MAX as u64 - now_ms {
        return Err(CmdError::Other("ERR timeout is out of range"));
    }
    Ok((now_ms + ms).saturating_mul(1000))
}

/// Takes `waiter` out of the queues of all its keys (it ended: timed out, unblocked, served
/// on another key, or its client left).
pub fn leave_queues(server: &crate::Server, waiter: &Arc<Waiter>) {
    let Some(db) = server.db(waiter.db) else {
        return;
    };
    for key in &waiter.keys {
        db.lock_key(key).waiters_mut().remove(key, waiter);
    }
}

/// A blocked client is going away. Its waiter is withdrawn; if a writer won it first, the
/// elements it took go back where they were, so a disconnect never loses data. Locking every
/// key's shard (in `leave_queues`) waits out a serve step in progress, so by then a claimed
/// waiter has its reply.
pub fn withdraw(server: &crate::Server, waiter: &Arc<Waiter>, now_ms: u64) {
    waiter.abandon();
    leave_queues(server, waiter);
    if let Some(Ending::Served(_)) = waiter.ending() {
        let taken = lock(&waiter.undo).0.take();
        if let (Some((key, undo)), Some(db)) = (taken, server.db(waiter.db)) {
            undo(&mut db.lock_key(&key), now_ms);
        }
    }
}

/// Queues `waiter` on all its keys; the caller holds the locks of their shards in `guards`.
pub fn enqueue(guards: &mut crate::keyspace::ShardGuards<'_, Shard>, waiter: &Arc<Waiter>) {
    for key in &waiter.keys {
        guards
            .get_mut(crate::keyspace::Db::shard_of(key))
            .waiters_mut()
            .add(key, waiter.clone());
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use crate::commands::CmdError;

    // Texts and limits from Valkey 9.1.2: BLPOP k -1 / x / inf / 9999999999999999.
    #[test]
    fn timeouts_parse_like_valkey() {
        let now = 1_000_000_000;
        assert_eq!(parse_timeout(b"0", now), Ok(0));
        assert_eq!(parse_timeout(b"0.05", now), Ok(now + 50_000));
        assert_eq!(parse_timeout(b"1e3", now), Ok(now + 1_000_000_000));
        assert_eq!(
            parse_timeout(b"0.0001", now),
            Ok(now + 1000),
            "rounded up to 1 ms"
        );
        let err = |a: &[u8]| parse_timeout(a, now).unwrap_err();
        assert_eq!(err(b"-1"), CmdError::Other("ERR timeout is negative"));
        assert_eq!(
            err(b"x"),
            CmdError::Other("ERR timeout is not a float or out of range")
        );
        assert_eq!(
            err(b"nan"),
            CmdError::Other("ERR timeout is not a float or out of range")
        );
        assert_eq!(err(b"inf"), CmdError::Other("ERR timeout is out of range"));
        assert_eq!(
            err(b"9999999999999999"),
            CmdError::Other("ERR timeout is out of range")
        );
    }

    #[test]
    fn exactly_one_ending_wins() {
        let server = crate::Server::new(crate::Config::default());
        let handle = server.clients.register(crate::clients::Peer::default(), 0);
        let serve = || -> ServeFn { Box::new(|_, _, _, _| Serve::Empty) };
        let w = Waiter::new(handle, 0, vec![b"k".to_vec()], Protocol::Resp2, serve());
        assert!(w.is_waiting() && !w.ended());
        assert!(w.claim());
        assert!(!w.time_out() && !w.unblock() && !w.abandon() && !w.claim());
        assert!(!w.ended(), "claimed but not delivered yet");
        w.deliver(Ending::Served(b"+x\r\n".to_vec()));
        assert_eq!(w.ending(), Some(Ending::Served(b"+x\r\n".to_vec())));
        let handle = server.clients.register(crate::clients::Peer::default(), 0);
        let t = Waiter::new(handle, 0, vec![], Protocol::Resp2, serve());
        assert!(t.time_out());
        assert!(!t.claim());
        assert_eq!(t.ending(), Some(Ending::TimedOut));
    }

    #[test]
    fn queues_keep_arrival_order_and_mark_only_watched_keys() {
        let server = crate::Server::new(crate::Config::default());
        let mk = || {
            let h = server.clients.register(crate::clients::Peer::default(), 0);
            let serve: ServeFn = Box::new(|_, _, _, _| Serve::Empty);
            Arc::new(Waiter::new(
                h,
                0,
                vec![b"k".to_vec()],
                Protocol::Resp2,
                serve,
            ))
        };
        let (a, b) = (mk(), mk());
        let mut q = Queues::default();
        q.touched(b"k");
        assert!(!q.has_ready(), "no waiter on k yet");
        q.add(b"k", a.clone());
        q.add(b"k", b.clone());
        q.touched(b"other");
        assert!(!q.has_ready());
        q.touched(b"k");
        q.touched(b"k");
        assert_eq!(q.ready.len(), 1);
        assert!(Arc::ptr_eq(q.by_key[&b"k"[..]].front().unwrap(), &a));
        q.remove(b"k", &a);
        assert!(Arc::ptr_eq(q.by_key[&b"k"[..]].front().unwrap(), &b));
        q.remove(b"k", &b);
        assert_eq!(q.keys(), 0);
    }
}
