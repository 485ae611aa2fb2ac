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

static CRC16: [u16; 256] = crc16_table();

/// CRC16-CCITT (XMODEM), as Valkey's `crc16`.
pub fn crc16(data: &[u8]) -> u16 {
    data.iter().fold(0u16, |crc, &b| {
        (crc << 8) ^ CRC16[usize::from((crc >> 8) as u8 ^ b)]
    })
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
