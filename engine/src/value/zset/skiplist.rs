//! The full encoding's ordered index (`skiplist` in `OBJECT ENCODING`): Valkey's skiplist with
//! span counts, so rank lookups, rank ranges and score/lex range boundaries are O(log n).
//! Nodes live in arenas and link by index, which keeps the code free of `unsafe` and makes a
//! copy-on-write clone a plain `Vec` clone. There is one arena per level count: a node's
//! levels are one block at a place its id alone gives (no pointer to chase), and each link
//! also carries the score of the node it reaches. A search therefore compares against the
//! link it already holds and reads the next node's member only on a score tie: one cache
//! miss per step (the level block it moves onto), as in Valkey, where a node with its levels
//! out of line cost two. A node's score never changes while it is linked (an update is
//! remove + insert), so the copies cannot go stale.

use std::cmp::Ordering;

/// Levels a node may have (Valkey's `ZSKIPLIST_MAXLEVEL`).
const MAX_LEVEL: usize = 32;
/// A missing link.
const NIL: u32 = u32::MAX;
/// A node id holds its arena (levels - 1) above this bit and its index within it below.
const CLASS_SHIFT: u32 = 27;
/// Nodes one arena can hold (the last two indexes of the top arena are `HEAD` and `NIL`).
#[cfg(not(test))]
const CLASS_CAPACITY: usize = (1 << CLASS_SHIFT) - 2;
/// Small under unit tests, so their sets of a few hundred members fill arenas and exercise
/// the overflow into wider ones (`alloc`).
#[cfg(test)]
const CLASS_CAPACITY: usize = 128;
/// The header node (its levels are `SkipList::head`).
const HEAD: u32 = NIL - 1;

#[derive(Clone, Copy, Debug)]
struct Level {
    forward: u32,
    /// Nodes skipped by following `forward` (the node reached included).
    span: u32,
    /// The score of `forward` (meaningless when it is `NIL`).
    score: f64,
}

impl Level {
    /// An unlinked slot.
    const EMPTY: Level = Level {
        forward: NIL,
        span: 0,
        score: 0.0,
    };
}

/// What a node holds besides its levels; read when a search ends or ties.
#[derive(Clone, Debug)]
struct Node {
    member: Box<[u8]>,
    score: f64,
    /// The previous node; `NIL` for the first one.
    backward: u32,
}

/// The nodes with `width` level slots each (a node may use fewer: see `alloc`).
#[derive(Clone, Debug, Default)]
struct Arena {
    /// `width` levels per node, node `i` at `i * width`.
    levels: Vec<Level>,
    nodes: Vec<Node>,
    free: Vec<u32>,
}

/// Arena (0-based: levels - 1) and index of node `x`.
fn split(x: u32) -> (usize, usize) {
    (
        (x >> CLASS_SHIFT) as usize,
        (x as usize) & ((1 << CLASS_SHIFT) - 1),
    )
}

/// An ordered index of `(score, member)` with ranks.
#[derive(Clone, Debug)]
pub(crate) struct SkipList {
    /// The header's levels.
    head: Box<[Level; MAX_LEVEL]>,
    /// `arenas[c]` holds the nodes with `c + 1` level slots; created as levels are first
    /// used (a set of a few hundred members has five or so).
    arenas: Vec<Arena>,
    level: usize,
    len: usize,
    tail: u32,
    rng: u64,
}

impl Default for SkipList {
    fn default() -> Self {
        Self {
            head: Box::new([Level::EMPTY; MAX_LEVEL]),
            arenas: Vec::new(),
            level: 1,
            len: 0,
            tail: NIL,
            rng: 0x2545_F491_4F6C_DD1D,
        }
    }
}

impl SkipList {
    /// Elements held.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Bytes the index holds on the heap (MEMORY USAGE): the header's levels, the arenas,
    /// and the members, estimated from the first `samples` nodes of each arena.
    pub fn heap_size(&self, samples: usize) -> usize {
        use std::mem::size_of;
        let mut bytes =
            size_of::<[Level; MAX_LEVEL]>() + self.arenas.capacity() * size_of::<Arena>();
        for a in &self.arenas {
            bytes += a.levels.capacity() * size_of::<Level>()
                + a.nodes.capacity() * size_of::<Node>()
                + a.free.capacity() * size_of::<u32>();
            let sampled = a.nodes.iter().take(samples.max(1));
            let (n, members) =
                sampled.fold((0usize, 0usize), |(n, m), x| (n + 1, m + x.member.len()));
            if n > 0 {
                bytes += (members as u128 * a.nodes.len() as u128 / n as u128) as usize;
            }
        }
        bytes
    }

    fn lvl(&self, x: u32, i: usize) -> Level {
        if x == HEAD {
            return self.head[i];
        }
        let (c, idx) = split(x);
        self.arenas[c].levels[idx * (c + 1) + i]
    }

    fn lvl_mut(&mut self, x: u32, i: usize) -> &mut Level {
        if x == HEAD {
            return &mut self.head[i];
        }
        let (c, idx) = split(x);
        &mut self.arenas[c].levels[idx * (c + 1) + i]
    }

    fn node(&self, x: u32) -> &Node {
        let (c, idx) = split(x);
        &self.arenas[c].nodes[idx]
    }

    fn node_mut(&mut self, x: u32) -> &mut Node {
        let (c, idx) = split(x);
        &mut self.arenas[c].nodes[idx]
    }

    /// Orders node `x` (whose score `x_score` the link carried) against `(score, member)` as
    /// a sorted set does: by score, then member bytes, read from the node only on a tie.
    fn cmp(&self, x_score: f64, x: u32, score: f64, member: &[u8]) -> Ordering {
        match x_score.partial_cmp(&score) {
            Some(Ordering::Equal) | None => self.member(x).cmp(member),
            Some(order) => order,
        }
    }

    /// The member of node `x`. Out of line: inlined, the compiler loads it speculatively
    /// ahead of the score comparison (a `&Node` is known to be readable), which puts the
    /// node's cache miss back on every search step (measured: 70% of ZADD's samples).
    #[inline(never)]
    fn member(&self, x: u32) -> &[u8] {
        &self.node(x).member
    }

    /// Member and score of node `x`.
    fn entry(&self, x: u32) -> (&[u8], f64) {
        let n = self.node(x);
        (&n.member, n.score)
    }

    /// Stores `node` with room for `level` levels: in its own arena, or (once that one holds
    /// `CLASS_CAPACITY` nodes) the next one with room, leaving the extra slots unused.
    fn alloc(&mut self, node: Node, level: usize) -> u32 {
        for c in level - 1..MAX_LEVEL {
            if self.arenas.len() <= c {
                self.arenas.resize_with(c + 1, Arena::default);
            }
            let arena = &mut self.arenas[c];
            if let Some(idx) = arena.free.pop() {
                arena.nodes[idx as usize] = node;
                return ((c as u32) << CLASS_SHIFT) | idx;
            }
            let idx = arena.nodes.len();
            if idx < CLASS_CAPACITY {
                arena.nodes.push(node);
                arena
                    .levels
                    .extend(std::iter::repeat_n(Level::EMPTY, c + 1));
                return ((c as u32) << CLASS_SHIFT) | idx as u32;
            }
        }
        unreachable!("u32 spans cap a skiplist far below 32 full arenas")
    }

    fn random_level(&mut self) -> usize {
        let mut level = 1;
        loop {
            self.rng ^= self.rng << 13;
            self.rng ^= self.rng >> 7;
            self.rng ^= self.rng << 17;
            // One level more with probability 1/4 (Valkey's ZSKIPLIST_P).
            if level < MAX_LEVEL && self.rng & 3 == 0 {
                level += 1;
                self.rng = self.rng.rotate_left(2);
            } else {
                return level;
            }
        }
    }

    /// Walks down from the header, following links while `go(score, next)` holds (`score` is
    /// the link's copy: `go` reads node `next` only when it needs the member); returns the
    /// last node passed at each level and the rank (1-based, header 0) of each.
    fn descend(
        &self,
        mut go: impl FnMut(f64, u32) -> bool,
    ) -> ([u32; MAX_LEVEL], [usize; MAX_LEVEL]) {
        let mut update = [HEAD; MAX_LEVEL];
        let mut rank = [0usize; MAX_LEVEL];
        let mut x = HEAD;
        for i in (0..self.level).rev() {
            rank[i] = if i + 1 == self.level { 0 } else { rank[i + 1] };
            loop {
                let l = self.lvl(x, i);
                if l.forward != NIL && go(l.score, l.forward) {
                    rank[i] += l.span as usize;
                    x = l.forward;
                } else {
                    break;
                }
            }
            update[i] = x;
        }
        (update, rank)
    }

    /// Inserts a member that is not present.
    pub fn insert(&mut self, member: &[u8], score: f64) {
        let (mut update, mut rank) =
            self.descend(|s, x| self.cmp(s, x, score, member) == Ordering::Less);
        let level = self.random_level();
        if level > self.level {
            for i in self.level..level {
                rank[i] = 0;
                update[i] = HEAD;
                self.lvl_mut(HEAD, i).span = self.len as u32;
            }
            self.level = level;
        }
        let node = Node {
            member: member.into(),
            score,
            backward: if update[0] == HEAD { NIL } else { update[0] },
        };
        let x = self.alloc(node, level);
        for i in 0..level {
            let prev = self.lvl(update[i], i);
            let skipped = (rank[0] - rank[i]) as u32;
            *self.lvl_mut(x, i) = Level {
                span: prev.span - skipped,
                ..prev
            };
            *self.lvl_mut(update[i], i) = Level {
                forward: x,
                span: skipped + 1,
                score,
            };
        }
        for (i, &u) in update.iter().enumerate().take(self.level).skip(level) {
            self.lvl_mut(u, i).span += 1;
        }
        let next = self.lvl(x, 0).forward;
        if next == NIL {
            self.tail = x;
        } else {
            self.node_mut(next).backward = x;
        }
        self.len += 1;
    }

    /// Unlinks node `x` given the predecessors at each level, and frees it.
    fn unlink(&mut self, x: u32, update: &[u32; MAX_LEVEL]) {
        for (i, &u) in update.iter().enumerate().take(self.level) {
            let ul = self.lvl(u, i);
            if ul.forward == x {
                let xl = self.lvl(x, i);
                *self.lvl_mut(u, i) = Level {
                    span: ul.span + xl.span - 1,
                    ..xl
                };
            } else {
                self.lvl_mut(u, i).span -= 1;
            }
        }
        let next = self.lvl(x, 0).forward;
        let back = self.node(x).backward;
        if next == NIL {
            self.tail = back;
        } else {
            self.node_mut(next).backward = back;
        }
        while self.level > 1 && self.lvl(HEAD, self.level - 1).forward == NIL {
            self.level -= 1;
        }
        self.len -= 1;
        self.node_mut(x).member = Box::default();
        let (c, idx) = split(x);
        self.arenas[c].free.push(idx as u32);
        if self.len == 0 {
            // Give the arenas back once empty rather than keep their peak size.
            *self = Self {
                rng: self.rng,
                ..Self::default()
            };
        }
    }

    /// Removes `(score, member)`; true when it was present.
    pub fn remove(&mut self, member: &[u8], score: f64) -> bool {
        let (update, _) = self.descend(|s, x| self.cmp(s, x, score, member) == Ordering::Less);
        let x = self.lvl(update[0], 0).forward;
        if x == NIL || self.entry(x) != (member, score) {
            return false;
        }
        self.unlink(x, &update);
        true
    }

    /// Changes the score of a present member.
    pub fn update_score(&mut self, member: &[u8], old: f64, new: f64) {
        let removed = self.remove(member, old);
        debug_assert!(removed, "member is indexed");
        self.insert(member, new);
    }

    /// The 0-based rank of `(score, member)`.
    pub fn rank(&self, member: &[u8], score: f64) -> Option<usize> {
        let (update, rank) =
            self.descend(|s, x| self.cmp(s, x, score, member) != Ordering::Greater);
        let x = update[0];
        (x != HEAD && self.entry(x) == (member, score)).then(|| rank[0] - 1)
    }

    /// The node at 0-based `rank`.
    fn node_at(&self, rank: usize) -> u32 {
        let target = rank + 1;
        let mut traversed = 0usize;
        let mut x = HEAD;
        for i in (0..self.level).rev() {
            loop {
                let l = self.lvl(x, i);
                if l.forward != NIL && traversed + l.span as usize <= target {
                    traversed += l.span as usize;
                    x = l.forward;
                } else {
                    break;
                }
            }
            if traversed == target {
                return x;
            }
        }
        NIL
    }

    /// Member and score at 0-based `rank`.
    pub fn get(&self, rank: usize) -> Option<(&[u8], f64)> {
        if rank >= self.len {
            return None;
        }
        Some(self.entry(self.node_at(rank)))
    }

    /// How many leading elements satisfy `pred(score, member)` (which must hold for a prefix
    /// of the order); `member` reads the node, so a score-only `pred` never calls it.
    pub fn count_prefix<'s>(
        &'s self,
        mut pred: impl FnMut(f64, &dyn Fn() -> &'s [u8]) -> bool,
    ) -> usize {
        let (_, rank) = self.descend(|s, x| pred(s, &|| self.member(x)));
        rank[0]
    }

    /// Iterates from 0-based `rank`, ascending or descending.
    pub fn iter_from(&self, rank: usize, reverse: bool) -> Iter<'_> {
        let x = if rank >= self.len {
            NIL
        } else if reverse && rank + 1 == self.len {
            self.tail
        } else {
            self.node_at(rank)
        };
        Iter {
            list: self,
            x,
            reverse,
        }
    }

    /// Removes the elements of ranks `start..end` (0-based, end exclusive); calls `gone` with
    /// each removed member.
    pub fn remove_ranks(&mut self, start: usize, end: usize, mut gone: impl FnMut(&[u8])) {
        if start >= end {
            return;
        }
        // Find the predecessors of rank `start` by span, then unlink forward.
        let mut update = [HEAD; MAX_LEVEL];
        let mut traversed = 0usize;
        let mut x = HEAD;
        for i in (0..self.level).rev() {
            loop {
                let l = self.lvl(x, i);
                if l.forward != NIL && traversed + (l.span as usize) <= start {
                    traversed += l.span as usize;
                    x = l.forward;
                } else {
                    break;
                }
            }
            update[i] = x;
        }
        let mut x = self.lvl(x, 0).forward;
        for _ in start..end {
            if x == NIL {
                break;
            }
            let next = self.lvl(x, 0).forward;
            gone(&self.node(x).member);
            self.unlink(x, &update);
            x = next;
        }
    }
}

/// Iterator over a skiplist from a starting node.
#[derive(Clone, Debug)]
pub(crate) struct Iter<'a> {
    list: &'a SkipList,
    x: u32,
    reverse: bool,
}

impl<'a> Iterator for Iter<'a> {
    type Item = (&'a [u8], f64);

    fn next(&mut self) -> Option<Self::Item> {
        if self.x == NIL {
            return None;
        }
        let node = self.list.node(self.x);
        self.x = if self.reverse {
            node.backward
        } else {
            self.list.lvl(self.x, 0).forward
        };
        Some((&node.member, node.score))
    }
}
