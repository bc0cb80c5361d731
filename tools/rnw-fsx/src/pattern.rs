// SPDX-License-Identifier: GPL-2.0
//! The bytes each write puts in the file, chosen so that a bad read can name its source.
//!
//! The file is seen as 8-byte records at 8-aligned offsets. Op N writing a byte at offset
//! `o` writes byte `o % 8` of record(N, o / 8), where a record is a bijective mix of the
//! op number (low 32 bits) and the record index (high 32). Any 8 consecutive bytes that
//! came from one record can therefore be unmixed into (op, index): that is the op that
//! wrote them and the offset it wrote them at. A copy_file_range moves records to another
//! offset; the index still says where they were written. The mix makes the bytes look
//! random, so data is rarely zero (zeros are what a stale hole or a lost write reads as)
//! and a random 8-byte value decodes to a plausible op with odds of about 2^-40.

/// The op number the EOF-pollution writes use (`--pollute-eof`): never a real op.
pub const POLLUTE_OP: u32 = u32::MAX;

const K1: u64 = 0xbf58_476d_1ce4_e5b9;
const K2: u64 = 0x94d0_49bb_1331_11eb;

/// The inverse of an odd multiplier modulo 2^64 (Newton's iteration doubles the correct
/// low bits each step: 5 steps from 3 bits reach 96).
const fn mul_inverse(k: u64) -> u64 {
    let mut inv = k;
    let mut i = 0;
    while i < 5 {
        inv = inv.wrapping_mul(2u64.wrapping_sub(k.wrapping_mul(inv)));
        i += 1;
    }
    inv
}
const K1_INV: u64 = mul_inverse(K1);
const K2_INV: u64 = mul_inverse(K2);

/// splitmix64's finalizer: a bijection on u64 whose outputs look random.
fn mix(mut x: u64) -> u64 {
    x ^= x >> 30;
    x = x.wrapping_mul(K1);
    x ^= x >> 27;
    x = x.wrapping_mul(K2);
    x ^ (x >> 31)
}

/// Undoes `x ^= x >> s`.
fn unshift(y: u64, s: u32) -> u64 {
    let mut x = y;
    let mut i = 0;
    while i * s < 64 {
        x = y ^ (x >> s);
        i += 1;
    }
    x
}

fn unmix(mut x: u64) -> u64 {
    x = unshift(x, 31);
    x = x.wrapping_mul(K2_INV);
    x = unshift(x, 27);
    x = x.wrapping_mul(K1_INV);
    unshift(x, 30)
}

/// Record `index` of op `op` (index = file offset / 8; only its low 32 bits count).
fn record(op: u32, index: u64) -> [u8; 8] {
    mix(u64::from(op) | (index << 32)).to_le_bytes()
}

/// Fills `buf` with what op `op` writes at file offset `off`.
pub fn fill(buf: &mut [u8], op: u32, off: u64) {
    let mut pos = off;
    let mut i = 0;
    while i < buf.len() {
        let rec = record(op, pos / 8);
        let start = (pos % 8) as usize;
        let n = (8 - start).min(buf.len() - i);
        buf[i..i + n].copy_from_slice(&rec[start..start + n]);
        i += n;
        pos += n as u64;
    }
}

/// Where a byte came from, as far as its neighbours tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// Data written by op `op` at file offset `at` (the byte's own offset unless it was
    /// moved by a copy).
    Op { op: u32, at: u64 },
    /// Data of the `--pollute-eof` writes past EOF, written at `at`.
    Pollution { at: u64 },
    /// A zero byte not inside any decodable record: a hole, a zeroed range, or lost data.
    Zero,
    /// Nothing this tester writes.
    Unknown,
}

/// The origin of `buf[i]`, where `buf` holds the file's bytes from offset `base`. Tries
/// the 8 records that could hold the byte, then (for a byte at the ragged edge of a
/// write, in a record it only partly wrote) the whole records just before and after it,
/// extrapolated to the byte and checked against it. Only ops `1..=last_op` are believed.
pub fn origin(buf: &[u8], base: u64, i: usize, last_op: u32) -> Origin {
    let Some(&byte) = buf.get(i) else {
        return Origin::Unknown;
    };
    let around = i.saturating_sub(7)..=i;
    let before = i.saturating_sub(15)..i.saturating_sub(7);
    let after = i + 1..=(i + 8).min(buf.len().saturating_sub(8));
    for start in around.chain(before).chain(after) {
        let Some(bytes) = buf.get(start..start + 8) else {
            continue;
        };
        let mut rec = [0u8; 8];
        rec.copy_from_slice(bytes);
        let v = unmix(u64::from_le_bytes(rec));
        let op = v as u32;
        if op != POLLUTE_OP && !(1..=last_op).contains(&op) {
            continue;
        }
        // The record's index is the low 32 bits of (offset / 8): the offset it was
        // written at is rebuilt within the 32 GiB window of its current position (files
        // here are far smaller), then moved to the byte.
        let window = ((base + start as u64) / 8) & !0xffff_ffff;
        let Some(at) = ((window | (v >> 32)) * 8).checked_add_signed(i as i64 - start as i64)
        else {
            continue;
        };
        let mut want = [0u8];
        fill(&mut want, op, at);
        if want[0] != byte {
            continue;
        }
        return if op == POLLUTE_OP {
            Origin::Pollution { at }
        } else {
            Origin::Op { op, at }
        };
    }
    if byte == 0 {
        Origin::Zero
    } else {
        Origin::Unknown
    }
}

/// True when `got` at file offset `off` is exactly what op `op` would have written there
/// (for the per-byte fallback when no whole record survives).
pub fn matches(got: &[u8], op: u32, off: u64) -> bool {
    let mut want = vec![0u8; got.len()];
    fill(&mut want, op, off);
    want == got
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mix_is_a_bijection_with_an_inverse() {
        for x in [
            0u64,
            1,
            2,
            0xdead_beef,
            u64::MAX,
            1 << 63,
            0x1234_5678_9abc_def0,
        ] {
            assert_eq!(unmix(mix(x)), x);
        }
        assert_eq!(K1.wrapping_mul(K1_INV), 1);
        assert_eq!(K2.wrapping_mul(K2_INV), 1);
    }

    #[test]
    fn fill_is_offset_consistent() {
        // What op 7 writes at 0x1003..0x1010 is the tail of what it writes at 0x1000.
        let mut whole = [0u8; 0x10];
        fill(&mut whole, 7, 0x1000);
        let mut part = [0u8; 0xd];
        fill(&mut part, 7, 0x1003);
        assert_eq!(&whole[3..], &part[..]);
        // Different ops and offsets give different data.
        let mut other = [0u8; 0x10];
        fill(&mut other, 8, 0x1000);
        assert_ne!(whole, other);
    }

    #[test]
    fn data_is_rarely_zero() {
        let mut buf = vec![0u8; 1 << 16];
        fill(&mut buf, 1, 0);
        let zeros = buf.iter().filter(|&&b| b == 0).count();
        // 1/256 expected: 256 of 65536; far from the half a naive counter pattern has.
        assert!(zeros < 512, "{zeros} zero bytes");
    }

    #[test]
    fn origin_names_the_writing_op_and_offset() {
        let mut buf = vec![0u8; 64];
        fill(&mut buf[10..50], 42, 0x2000 + 10);
        // Every byte with a whole record of op 42 around it decodes, even at the edges.
        for i in 10..50 {
            assert_eq!(
                origin(&buf, 0x2000, i, 100),
                Origin::Op {
                    op: 42,
                    at: 0x2000 + i as u64
                },
                "byte {i}"
            );
        }
        // Only ops that ran are believed.
        assert_eq!(origin(&buf, 0x2000, 20, 41), Origin::Unknown);
        assert_eq!(origin(&buf, 0x2000, 2, 100), Origin::Zero);
    }

    #[test]
    fn origin_sees_through_a_copy() {
        // Op 5 wrote at 0x3001; the data now sits at 0x10 (an unaligned move).
        let mut buf = vec![0u8; 32];
        fill(&mut buf[0..32], 5, 0x3001);
        let got = origin(&buf, 0x10, 12, 5);
        assert_eq!(
            got,
            Origin::Op {
                op: 5,
                at: 0x3001 + 12
            }
        );
    }

    #[test]
    fn a_flipped_byte_is_not_attributed_to_a_write() {
        let mut buf = vec![0u8; 8];
        fill(&mut buf, 3, 0x100);
        buf[4] ^= 0x5a;
        assert_eq!(origin(&buf, 0x100, 4, 1000), Origin::Unknown);
        assert!(!matches(&buf, 3, 0x100));
        assert!(matches(&buf[..4], 3, 0x100));
    }

    #[test]
    fn pollution_is_recognised() {
        let mut buf = vec![0u8; 16];
        fill(&mut buf, POLLUTE_OP, 0x4000);
        assert_eq!(
            origin(&buf, 0x4000, 3, 10),
            Origin::Pollution { at: 0x4003 }
        );
    }
}
