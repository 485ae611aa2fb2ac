//! The full encoding's ordered index (`skiplist` in `OBJECT ENCODING`): Valkey's skiplist with
//! span counts, so rank lookups, rank ranges and score/lex range boundaries are O(log n).
//! Nodes live in one arena (`Vec`) and link by index, which keeps the code free of `unsafe`
//! and makes a copy-on-write clone a plain `Vec` clone. Node 0 is the header.

use smallvec::SmallVec;
use std::cmp::Ordering;

/// Levels a node may have (Valkey's `ZSKIPLIST_MAXLEVEL`).
const MAX_LEVEL: usize = 32;
/// A missing link.
const NIL: u32 = u32::MAX;
/// The header node's index.
const HEAD: u32 = 0;

#[derive(Clone, Copy, Debug, Default)]
struct Level {
    forward: u32,
    /// Nodes skipped by following `forward` (the node reached included).
    span: u32,
}

#[derive(Clone, Debug)]
struct Node {
    member: Box<[u8]>,
    score: f64,
    /// The previous node; `NIL` for the first one.
    backward: u32,
    /// Most nodes have one or two levels (p = 1/4), kept inline.
    levels: SmallVec<[Level; 2]>,
}

/// An ordered index of `(score, member)` with ranks.
#[derive(Clone, Debug)]
pub(crate) struct SkipList {
    nodes: Vec<Node>,
    free: Vec<u32>,
    level: usize,
    len: usize,
    tail: u32,
    rng: u64,
}

impl Default for SkipList {
    fn default() -> Self {
        let head = Node {
            member: Box::default(),
            score: 0.0,
            backward: NIL,
            levels: (0..MAX_LEVEL)
                .map(|_| Level {
                    forward: NIL,
                    span: 0,
                })
                .collect(),
        };
        Self {
            nodes: vec![head],
            free: Vec::new(),
            level: 1,
            len: 0,
            tail: NIL,
            rng: 0x2545_F491_4F6C_DD1D,
        }
    }
}

/// Orders `(score, member)` pairs as a sorted set does: by score, then member bytes.
fn cmp(a_score: f64, a_member: &[u8], b_score: f64, b_member: &[u8]) -> Ordering {
    a_score
        .partial_cmp(&b_score)
        .unwrap_or(Ordering::Equal)
        .then_with(|| a_member.cmp(b_member))
}

impl SkipList {
    /// Elements held.
    pub fn len(&self) -> usize {
        self.len
    }

    fn lvl(&self, x: u32, i: usize) -> Level {
        self.nodes[x as usize].levels[i]
    }

    fn lvl_mut(&mut self, x: u32, i: usize) -> &mut Level {
        &mut self.nodes[x as usize].levels[i]
    }

    /// Member and score of node `x`.
    fn entry(&self, x: u32) -> (&[u8], f64) {
        let n = &self.nodes[x as usize];
        (&n.member, n.score)
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

    /// Walks down from the header, following links while `go(next)` holds; returns the last
    /// node passed at each level and the rank (1-based, header 0) of each.
    fn descend(&self, mut go: impl FnMut(&Node) -> bool) -> ([u32; MAX_LEVEL], [usize; MAX_LEVEL]) {
        let mut update = [HEAD; MAX_LEVEL];
        let mut rank = [0usize; MAX_LEVEL];
        let mut x = HEAD;
        for i in (0..self.level).rev() {
            rank[i] = if i + 1 == self.level { 0 } else { rank[i + 1] };
            loop {
                let l = self.lvl(x, i);
                if l.forward != NIL && go(&self.nodes[l.forward as usize]) {
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
            self.descend(|n| cmp(n.score, &n.member, score, member) == Ordering::Less);
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
            levels: (0..level).map(|_| Level::default()).collect(),
        };
        let x = match self.free.pop() {
            Some(i) => {
                self.nodes[i as usize] = node;
                i
            }
            None => {
                self.nodes.push(node);
                (self.nodes.len() - 1) as u32
            }
        };
        for i in 0..level {
            let prev = self.lvl(update[i], i);
            let skipped = (rank[0] - rank[i]) as u32;
            *self.lvl_mut(x, i) = Level {
                forward: prev.forward,
                span: prev.span - skipped,
            };
            *self.lvl_mut(update[i], i) = Level {
                forward: x,
                span: skipped + 1,
            };
        }
        for (i, &u) in update.iter().enumerate().take(self.level).skip(level) {
            self.lvl_mut(u, i).span += 1;
        }
        let next = self.lvl(x, 0).forward;
        if next == NIL {
            self.tail = x;
        } else {
            self.nodes[next as usize].backward = x;
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
                    forward: xl.forward,
                    span: ul.span + xl.span - 1,
                };
            } else {
                self.lvl_mut(u, i).span -= 1;
            }
        }
        let next = self.lvl(x, 0).forward;
        let back = self.nodes[x as usize].backward;
        if next == NIL {
            self.tail = back;
        } else {
            self.nodes[next as usize].backward = back;
        }
        while self.level > 1 && self.lvl(HEAD, self.level - 1).forward == NIL {
            self.level -= 1;
        }
        self.len -= 1;
        let node = &mut self.nodes[x as usize];
        node.member = Box::default();
        node.levels = SmallVec::new();
        self.free.push(x);
        if self.len == 0 {
            // Give the arena back once empty rather than keep its peak size.
            self.nodes.truncate(1);
            self.free = Vec::new();
        }
    }

    /// Removes `(score, member)`; true when it was present.
    pub fn remove(&mut self, member: &[u8], score: f64) -> bool {
        let (update, _) =
            self.descend(|n| cmp(n.score, &n.member, score, member) == Ordering::Less);
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
            self.descend(|n| cmp(n.score, &n.member, score, member) != Ordering::Greater);
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

    /// How many leading elements satisfy `pred` (which must hold for a prefix of the order).
    pub fn count_prefix(&self, mut pred: impl FnMut(&[u8], f64) -> bool) -> usize {
        let (_, rank) = self.descend(|n| pred(&n.member, n.score));
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
            gone(&self.nodes[x as usize].member);
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
        let node = &self.list.nodes[self.x as usize];
        self.x = if self.reverse {
            node.backward
        } else {
            node.levels[0].forward
        };
        Some((&node.member, node.score))
    }
}
