"""Generates lists.txt (hand-written cases plus fixed-seed random runs that check OBJECT
ENCODING after every step). Run from anywhere: python3 engine/tests/differential/lists_gen.py"""
import os
import random
out = []
def c(line): out.append(line)
hand = r'''
# List commands: pushes, pops (counts, RESP3 shapes), ranges, indexes, LSET, LINSERT, LREM,
# LTRIM, LPOS, LMOVE/RPOPLPUSH (incl. same-key rotation), LMPOP, errors, WRONGTYPE, and the
# listpack/quicklist encoding conversions (OBJECT ENCODING after crossing the thresholds).
LPUSH l a b c
RPUSH l d e f
LRANGE l 0 -1
LLEN l
LLEN missing
LPUSHX missing a
RPUSHX missing a
EXISTS missing
LPUSHX l x y
RPUSHX l z
LRANGE l 0 -1
LPUSH
LPUSH l
RPUSHX l
OBJECT ENCODING l
TYPE l
RPUSH ints 0 1 -1 127 128 -4096 4095 4096 -4097 32767 32768 -32768 -32769 8388607 8388608 -8388608 -8388609 2147483647 2147483648 -2147483648 -2147483649 9223372036854775807 -9223372036854775808 9223372036854775808 -0 007 +5 " 5" 1.5 ""
LRANGE ints 0 -1
LINDEX ints 21
LINDEX ints 22
LPOS ints 4095
LPOS ints 007
LPOS ints -0
LREM ints 0 0
LRANGE ints 0 -1
RPUSH bin "a\x00b" "\xff\xfe" "\r\n"
LRANGE bin 0 -1
LPOS bin "a\x00b"
# LPOP / RPOP
DEL l
RPUSH l 1 2 3 4 5 6 7 8 9 10
LPOP l
RPOP l
LPOP l 0
RPOP l 0
LPOP l 2
RPOP l 3
LPOP l -1
RPOP l -1
LPOP l x
LPOP l 1.5
LPOP l 1 2
RPOP l 1 2
LPOP missing
LPOP missing 1
LPOP missing 0
LPOP missing -1
RPOP missing 5
LRANGE l 0 -1
LPOP l 100
EXISTS l
RPUSH l a b
RPOP l 9223372036854775807
EXISTS l
RPUSH l a
LPOP l
EXISTS l
RPUSH l a b c
LPOP l 3
EXISTS l
# LRANGE
RPUSH r a b c d e f g
LRANGE r 0 0
LRANGE r -1 -1
LRANGE r -100 100
LRANGE r 2 1
LRANGE r 5 -3
LRANGE r -3 5
LRANGE r 7 10
LRANGE r 6 6
LRANGE r -7 -7
LRANGE r -8 -8
LRANGE r 0 -8
LRANGE r 1 -2
LRANGE r -9223372036854775808 9223372036854775807
LRANGE r 9223372036854775807 -9223372036854775808
LRANGE r x 1
LRANGE r 1 x
LRANGE missing 0 -1
LRANGE missing x 1
# LINDEX
LINDEX r 0
LINDEX r 6
LINDEX r 7
LINDEX r -1
LINDEX r -7
LINDEX r -8
LINDEX r 9223372036854775807
LINDEX r -9223372036854775808
LINDEX r x
LINDEX missing 0
LINDEX missing x
# LSET
LSET r 0 A
LSET r -1 G
LSET r 3 ""
LSET r 7 x
LSET r -8 x
LSET r x y
LSET missing 0 a
LSET missing x a
LSET r 1 12345
LRANGE r 0 -1
LINDEX r 1
# LINSERT
DEL li
RPUSH li a b c
LINSERT li BEFORE a x
LINSERT li AFTER c y
LINSERT li before b 1
LINSERT li after b 2
LINSERT li AFTER nope z
LINSERT li MIDDLE a z
LINSERT li AFTER "" z
LINSERT missing BEFORE a x
LINSERT missing MIDDLE a x
EXISTS missing
LRANGE li 0 -1
RPUSH li2 1 2 3 1
LINSERT li2 AFTER 1 one
LINSERT li2 BEFORE 3 0
LRANGE li2 0 -1
# LREM
DEL lr
RPUSH lr a b a c a d a
LREM lr 2 a
LRANGE lr 0 -1
LREM lr -1 a
LRANGE lr 0 -1
LREM lr 0 a
LRANGE lr 0 -1
LREM lr 0 zz
LREM lr x a
LREM lr -9223372036854775808 a
LREM lr 9223372036854775807 b
LREM missing 0 a
LREM lr 0 c
LREM lr 0 d
EXISTS lr
RPUSH lr 1 01 1 1.0 1
LREM lr -2 1
LRANGE lr 0 -1
# LTRIM
DEL lt
RPUSH lt a b c d e f g h
LTRIM lt 1 -2
LRANGE lt 0 -1
LTRIM lt -3 100
LRANGE lt 0 -1
LTRIM lt 0 0
LRANGE lt 0 -1
LTRIM lt 1 0
EXISTS lt
RPUSH lt a b c
LTRIM lt 5 10
EXISTS lt
RPUSH lt a b c
LTRIM lt -100 -4
EXISTS lt
RPUSH lt a b c
LTRIM lt -9223372036854775808 9223372036854775807
LRANGE lt 0 -1
LTRIM lt x 1
LTRIM lt 1 x
LTRIM missing 0 1
LTRIM missing x 1
# LPOS
DEL lp
RPUSH lp a b c 1 2 3 c c
LPOS lp c
LPOS lp c RANK 2
LPOS lp c RANK -1
LPOS lp c RANK -3
LPOS lp c RANK 4
LPOS lp c RANK -4
LPOS lp c COUNT 0
LPOS lp c COUNT 2
LPOS lp c COUNT 2 RANK 2
LPOS lp c COUNT 0 RANK -1
LPOS lp c COUNT 1 RANK -2
LPOS lp c MAXLEN 2
LPOS lp c MAXLEN 3
LPOS lp c MAXLEN 3 COUNT 0
LPOS lp c RANK -1 MAXLEN 1
LPOS lp c RANK -1 MAXLEN 3 COUNT 0
LPOS lp c RANK -2 MAXLEN 1
LPOS lp 1
LPOS lp 2 COUNT 5
LPOS lp zz
LPOS lp zz COUNT 0
LPOS lp c rank 1 count 1 maxlen 0
LPOS lp c RANK 0
LPOS lp c RANK x
LPOS lp c RANK -9223372036854775808
LPOS lp c RANK 9223372036854775807
LPOS lp c RANK -9223372036854775807
LPOS lp c COUNT -1
LPOS lp c COUNT x
LPOS lp c MAXLEN -1
LPOS lp c MAXLEN x
LPOS lp c RANK
LPOS lp c COUNT
LPOS lp c FOO 1
LPOS lp c RANK 1 RANK 2
LPOS missing c
LPOS missing c COUNT 0
LPOS missing c COUNT 1 RANK 1
LPOS missing c RANK 0
LPOS missing c COUNT -1
# LMOVE / RPOPLPUSH
DEL src dst
RPUSH src a b c d
LMOVE src dst LEFT RIGHT
LMOVE src dst RIGHT LEFT
LMOVE src dst left left
LMOVE src dst Right Right
LRANGE src 0 -1
LRANGE dst 0 -1
EXISTS src
LMOVE src dst LEFT RIGHT
LMOVE src dst UP RIGHT
LMOVE src dst LEFT DOWN
LMOVE missing dst LEFT RIGHT
RPOPLPUSH dst src
RPOPLPUSH dst src
LRANGE dst 0 -1
LRANGE src 0 -1
RPOPLPUSH missing src
# Same-key rotation
DEL rot
RPUSH rot 1 2 3 4
RPOPLPUSH rot rot
LRANGE rot 0 -1
LMOVE rot rot LEFT RIGHT
LRANGE rot 0 -1
LMOVE rot rot LEFT LEFT
LMOVE rot rot RIGHT RIGHT
LRANGE rot 0 -1
DEL one
RPUSH one x
LMOVE one one LEFT RIGHT
RPOPLPUSH one one
LRANGE one 0 -1
# LMPOP
DEL m1 m2
RPUSH m2 a b c d e
LMPOP 2 m1 m2 LEFT
LMPOP 2 m1 m2 RIGHT COUNT 2
LMPOP 1 m2 left count 10
LMPOP 2 m1 m2 LEFT
EXISTS m2
RPUSH m1 x y
LMPOP 2 m1 m2 RIGHT count 1
LMPOP 1 m1 LEFT COUNT 9223372036854775807
LMPOP 0 m1 LEFT
LMPOP -1 m1 LEFT
LMPOP x m1 LEFT
LMPOP 2 m1 LEFT
LMPOP 3 m1 m2 LEFT
LMPOP 1 m1 MIDDLE
LMPOP 1 m1 LEFT COUNT 0
LMPOP 1 m1 LEFT COUNT -1
LMPOP 1 m1 LEFT COUNT x
LMPOP 1 m1 LEFT COUNT
LMPOP 1 m1 LEFT COUNT 1 COUNT 1
LMPOP 1 m1 LEFT FOO
LMPOP 9223372036854775807 m1 LEFT
LMPOP 1 m1
LMPOP 1
# WRONGTYPE
SET s v
LPUSH s a
RPUSH s a
LPUSHX s a
RPUSHX s a
LPOP s
RPOP s 2
LPOP s 0
LPOP s x
LLEN s
LRANGE s 0 -1
LRANGE s x 0
LINDEX s 0
LINDEX s x
LSET s 0 a
LSET s x a
LINSERT s BEFORE a b
LINSERT s MIDDLE a b
LREM s 0 a
LTRIM s 0 1
LPOS s a
LPOS s a RANK 0
LPOS s a COUNT 0
LMOVE s dst LEFT RIGHT
LMOVE dst s LEFT RIGHT
LMOVE missing s LEFT RIGHT
RPOPLPUSH s dst
RPOPLPUSH dst s
LMPOP 1 s LEFT
LMPOP 2 missing s LEFT
LMPOP 2 dst s LEFT
GET s
LRANGE dst 0 -1
# RESP3 shapes
~ HELLO 3
DEL l
RPUSH l a 1 b
LPOP l
LPOP l 1
LPOP l 0
LPOP missing
LPOP missing 1
RPOP missing
LINDEX missing 0
LINDEX l 9
LPOS l zz
LPOS l zz COUNT 0
LPOS missing zz
LRANGE l 0 -1
LRANGE missing 0 -1
LMPOP 1 missing LEFT
LMPOP 1 l RIGHT COUNT 5
LMOVE missing l LEFT RIGHT
RPOPLPUSH missing l
~ HELLO 2
'''
for line in hand.strip('\n').split('\n'):
    c(line)

# Encoding conversions, default limit (-2: 8 KiB node budget).
c("# Encodings: listpack -> quicklist by size and count, and back on shrink (half the limit)")
c("CONFIG SET list-max-listpack-size -2")
v64 = "v" * 64
c("DEL e")
c("RPUSH e " + " ".join([v64] * 100))
c("OBJECT ENCODING e")
c("RPUSH e " + " ".join([v64] * 100))
c("OBJECT ENCODING e")
c("LLEN e")
c("LTRIM e 0 99")
c("OBJECT ENCODING e")
c("LTRIM e 0 59")
c("OBJECT ENCODING e")
c("LTRIM e 0 55")
c("OBJECT ENCODING e")
c("LTRIM e 0 54")
c("OBJECT ENCODING e")
c("LTRIM e 0 40")
c("OBJECT ENCODING e")
# 200 x 64 one-shot
c("DEL e")
c("RPUSH e " + " ".join([v64] * 200))
c("OBJECT ENCODING e")
for n in (150, 120, 100, 70, 60, 58, 57, 56, 55, 50):
    c(f"LTRIM e 0 {n-1}")
    c("OBJECT ENCODING e")
# exact boundary: lpBytes + raw bytes vs 8192
for count in (8184, 8185, 8186, 8190):
    c("DEL b")
    c("RPUSH b " + "x" * count)
    c("OBJECT ENCODING b")
c("DEL b")
c("RPUSH b " + "y" * 8000)
c("RPUSH b " + " ".join(["z"] * 150))
c("OBJECT ENCODING b")
c("RPUSH b " + " ".join(["z"] * 100))
c("OBJECT ENCODING b")
c("LLEN b")
# large elements: plain nodes
c("DEL big")
c("RPUSH big " + "B" * 9000)
c("OBJECT ENCODING big")
c("RPUSH big a")
c("LPOP big")
c("OBJECT ENCODING big")
c("LRANGE big 0 -1")
c("DEL big")
c("RPUSH big a b c")
c("LINSERT big AFTER b " + "C" * 8300)
c("OBJECT ENCODING big")
c("LRANGE big 0 0")
c("LINDEX big 3")
c("LREM big 0 " + "C" * 8300)
c("OBJECT ENCODING big")
c("LSET big 1 " + "D" * 8200)
c("OBJECT ENCODING big")
c("LSET big 1 small")
c("OBJECT ENCODING big")
c("LRANGE big 0 -1")
c("LSET big 0 " + "E" * 9000)
c("LTRIM big 1 -1")
c("OBJECT ENCODING big")
# LSET / LINSERT growth conversion
c("DEL g")
c("RPUSH g " + "q" * 8000)
c("LSET g 0 " + "q" * 8190)
c("OBJECT ENCODING g")
c("DEL g")
c("RPUSH g " + "q" * 8000)
c("LSET g 5 " + "q" * 300)
c("OBJECT ENCODING g")
c("DEL g")
c("RPUSH g a " + "q" * 8000)
c("LINSERT g BEFORE nope " + "q" * 300)
c("OBJECT ENCODING g")
c("LINSERT missing BEFORE nope " + "q" * 9000)
# int-encoded elements moved between lists (integer objects add no bytes)
c("DEL mv1 mv2")
c("RPUSH mv1 " + " ".join(["123456789012"] * 900))
c("OBJECT ENCODING mv1")
c("RPUSH mv2 " + "w" * 8170)
c("RPOPLPUSH mv1 mv2")
c("OBJECT ENCODING mv2")
c("LMOVE mv1 mv2 LEFT RIGHT")
c("OBJECT ENCODING mv2")
c("LRANGE mv2 0 0")
c("LLEN mv2")
# count-based limits
c("CONFIG SET list-max-listpack-size 4")
c("DEL k")
c("RPUSH k 1 2 3 4")
c("OBJECT ENCODING k")
c("RPUSH k 5")
c("OBJECT ENCODING k")
c("RPOP k")
c("OBJECT ENCODING k")
c("RPOP k")
c("RPOP k")
c("OBJECT ENCODING k")
c("RPOP k")
c("OBJECT ENCODING k")
c("LRANGE k 0 -1")
c("CONFIG SET list-max-listpack-size 0")
c("DEL k")
c("RPUSH k a")
c("OBJECT ENCODING k")
c("RPUSH k b")
c("OBJECT ENCODING k")
c("LPOP k")
c("OBJECT ENCODING k")
c("CONFIG SET list-max-listpack-size 1")
c("DEL k")
c("RPUSH k a")
c("OBJECT ENCODING k")
c("RPUSH k b")
c("OBJECT ENCODING k")
c("LPOP k")
c("OBJECT ENCODING k")
c("CONFIG SET list-max-listpack-size 100000")
c("DEL k")
c("RPUSH k " + " ".join(["kk"] * 3000))
c("OBJECT ENCODING k")
c("CONFIG SET list-max-listpack-size -1")
c("DEL k")
c("RPUSH k " + " ".join([v64] * 60))
c("OBJECT ENCODING k")
c("RPUSH k " + " ".join([v64] * 10))
c("OBJECT ENCODING k")
c("LTRIM k 0 29")
c("OBJECT ENCODING k")
c("LTRIM k 0 27")
c("OBJECT ENCODING k")
c("CONFIG SET list-max-listpack-size -5")
c("DEL k")
c("RPUSH k " + " ".join([v64] * 500))
c("RPUSH k " + " ".join([v64] * 500))
c("OBJECT ENCODING k")
c("RPUSH k " + " ".join([v64] * 10))
c("OBJECT ENCODING k")
c("LTRIM k 0 400")
c("OBJECT ENCODING k")
c("LTRIM k 0 300")
c("OBJECT ENCODING k")
c("CONFIG SET list-max-listpack-size -9")
c("DEL k")
c("RPUSH k " + " ".join([v64] * 500))
c("RPUSH k " + " ".join([v64] * 500))
c("OBJECT ENCODING k")
c("RPUSH k " + " ".join([v64] * 10))
c("OBJECT ENCODING k")

# LSET replaces in place even past the node budget (Valkey 9.1.2); the layout shows once
# the list shrinks to one node.
c("CONFIG SET list-max-listpack-size -1")
c("DEL q")
c("RPUSH q " + " ".join(["a" * 100] * 60))
c("OBJECT ENCODING q")
c("LSET q 5 " + "b" * 2000)
c("LSET q 50 " + "b" * 3000)
c("RPOP q 21")
c("OBJECT ENCODING q")
c("LTRIM q 0 5")
c("OBJECT ENCODING q")
c("LSET q 0 " + "c" * 5000)
c("OBJECT ENCODING q")
c("LRANGE q 1 -1")
c("LSET q 0 small")
c("OBJECT ENCODING q")
c("LSET q -1 " + "d" * 4097)
c("LTRIM q 0 -2")
c("OBJECT ENCODING q")
# Fuzz: node layout must match Valkey's for OBJECT ENCODING to match after shrinking.
rng = random.Random(7)
def val():
    r = rng.random()
    if r < 0.3: return str(rng.randint(-100000, 100000))
    if r < 0.5: return rng.choice("abc") * rng.randint(1, 5)
    if r < 0.9: return rng.choice("xyz") * rng.randint(40, 300)
    if r < 0.97: return rng.choice("PQ") * rng.randint(1000, 3000)
    return "L" * rng.randint(4000, 9000)
for fill in (-2, -1, 3, 16, 1, -3):
    c(f"CONFIG SET list-max-listpack-size {fill}")
    c("DEL f")
    for step in range(220):
        op = rng.random()
        n = rng.randint(1, 12)
        if op < 0.25:
            c(rng.choice(["RPUSH", "LPUSH"]) + " f " + " ".join(val() for _ in range(n)))
        elif op < 0.35:
            c(rng.choice(["LPOP", "RPOP"]) + f" f {rng.randint(1, 15)}")
        elif op < 0.45:
            c(f"LINSERT f {rng.choice(['BEFORE','AFTER'])} {val() if rng.random()<0.3 else rng.choice(['a','b','c','aa','bb','1','-5'])} {val()}")
        elif op < 0.55:
            c(f"LSET f {rng.randint(-40, 40)} {val()}")
        elif op < 0.63:
            c(f"LREM f {rng.randint(-3, 3)} {rng.choice(['a','b','c','aa','bb','1'])}")
        elif op < 0.70:
            a = rng.randint(-5, 10); b = rng.randint(-10, 60)
            c(f"LTRIM f {a} {b}")
        elif op < 0.78:
            c(f"LMOVE f f {rng.choice(['LEFT','RIGHT'])} {rng.choice(['LEFT','RIGHT'])}")
        elif op < 0.85:
            c(f"LINDEX f {rng.randint(-50, 50)}")
        else:
            c(f"LPOS f {rng.choice(['a','b','c','aa','1'])} RANK {rng.choice([1,2,-1,-2])} COUNT {rng.randint(0,3)}")
        c("OBJECT ENCODING f")
        c("LLEN f")
        if step % 10 == 9:
            c("LRANGE f 0 -1")
    c("LRANGE f 0 -1")
c("CONFIG SET list-max-listpack-size -2")
open(os.path.join(os.path.dirname(os.path.abspath(__file__)), 'lists.txt'), 'w').write("\n".join(out) + "\n")
print(len(out))
