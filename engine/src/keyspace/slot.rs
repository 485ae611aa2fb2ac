//! Cluster hash slots: CRC16 (XMODEM) of the key, or of its `{hash tag}`, mod 16384 — the
//! same slot Valkey Cluster gives the key, so keys that share a tag share a shard.

/// Number of cluster hash slots.
pub const SLOTS: u16 = 16384;

const fn crc16_table() -> [u16; 256] {
    let mut table = [0u16; 256];
    let mut i = 0;
    while i < 256 {
        let mut crc = (i as u16) << 8;
        let mut bit = 0;
        while bit < 8 {
            crc = if crc & 0x8000 != 0 {
                (crc << 1) ^ 0x1021
            } else {
                crc << 1
            };
            bit += 1;
        }
        table[i] = crc;
        i += 1;
    }
    table
}

/// `SLICES[k][x]`: the CRC of byte `x` followed by `k` zero bytes, from a zero register.
const fn slice_tables() -> [[u16; 256]; 4] {
    let base = crc16_table();
    let mut t = [base; 4];
    let mut k = 1;
    while k < 4 {
        let mut x = 0;
        while x < 256 {
            let prev = t[k - 1][x];
            t[k][x] = (prev << 8) ^ base[(prev >> 8) as usize];
            x += 1;
        }
        k += 1;
    }
    t
}

static SLICES: [[u16; 256]; 4] = slice_tables();

/// One byte at a time (the tail after the 4-byte chunks).
fn crc16_bytes(crc: u16, data: &[u8]) -> u16 {
    data.iter().fold(crc, |crc, &b| {
        (crc << 8) ^ SLICES[0][usize::from((crc >> 8) as u8 ^ b)]
    })
}

/// CRC16-CCITT (XMODEM), as Valkey's `crc16`. Four bytes per step ("slicing by 4": the CRC is
/// linear, so each byte's share comes from its own table and the lookups do not wait on one
/// another): every keyed command computes it for its shard, and byte at a time it was 5% of a
/// pipelined GET's samples.
pub fn crc16(data: &[u8]) -> u16 {
    let mut chunks = data.chunks_exact(4);
    let mut crc = 0u16;
    for c in &mut chunks {
        let [h, l] = crc.to_be_bytes();
        crc = SLICES[3][usize::from(h ^ c[0])]
            ^ SLICES[2][usize::from(l ^ c[1])]
            ^ SLICES[1][usize::from(c[2])]
            ^ SLICES[0][usize::from(c[3])];
    }
    crc16_bytes(crc, chunks.remainder())
}

/// The hash slot of `key`: only the part between the first `{` and the next `}` counts, when
/// that part is non-empty.
pub fn key_slot(key: &[u8]) -> u16 {
    let hashed = match key.iter().position(|&b| b == b'{') {
        Some(open) => match key[open + 1..].iter().position(|&b| b == b'}') {
            Some(len) if len > 0 => &key[open + 1..open + 1 + len],
            _ => key,
        },
        None => key,
    };
    crc16(hashed) & (SLOTS - 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    // Expected slots were read off Valkey 9.1.2 cluster mode (`CLUSTER KEYSLOT`) and the
    // cluster spec's published CRC16 check value.
    #[test]
    fn crc16_check_value() {
        assert_eq!(crc16(b"123456789"), 0x31C3);
    }

    #[test]
    fn sliced_crc16_equals_the_bytewise_one() {
        let data: Vec<u8> = (0..200u32)
            .map(|i| (i.wrapping_mul(151) ^ (i >> 3)) as u8)
            .collect();
        for start in 0..8 {
            for end in start..data.len() {
                let part = &data[start..end];
                assert_eq!(crc16(part), crc16_bytes(0, part), "{start}..{end}");
            }
        }
    }

    #[test]
    fn slots_match_valkey() {
        for (key, slot) in [
            (&b"foo"[..], 12182),
            (b"bar", 5061),
            (b"user1000", 3443),
            (b"somekey", 11058),
        ] {
            assert_eq!(key_slot(key), slot);
        }
        assert_eq!(key_slot(b"foo{}{bar}"), 8363);
        assert_eq!(key_slot(b"{user1000}.following"), 3443);
    }

    #[test]
    fn tags_pick_the_hashed_part() {
        assert_eq!(key_slot(b"{user1000}.following"), key_slot(b"user1000"));
        assert_eq!(key_slot(b"foo{}{bar}"), crc16(b"foo{}{bar}") & 16383);
        assert_eq!(key_slot(b"foo{{bar}}zap"), crc16(b"{bar") & 16383);
        assert_eq!(key_slot(b"foo{bar}{zap}"), key_slot(b"bar"));
    }
}
