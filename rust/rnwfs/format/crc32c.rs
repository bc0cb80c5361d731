// SPDX-License-Identifier: GPL-2.0
//! CRC-32C (Castagnoli), as the kernel's crc32c(): every metadata checksum in rnwfs.

const POLY: u32 = 0x82F6_3B78; // reflected 0x1EDC6F41

const TABLE: [u32; 256] = {
    let mut t = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 { (c >> 1) ^ POLY } else { c >> 1 };
            k += 1;
        }
        t[i] = c;
        i += 1;
    }
    t
};

/// Continues a CRC-32C over `data` from `seed` (kernel convention: no final inversion
/// inside, callers start from `!0` and invert at the end, see [`checksum`]).
pub fn update(seed: u32, data: &[u8]) -> u32 {
    data.iter().fold(seed, |c, &b| {
        TABLE[((c ^ b as u32) & 0xff) as usize] ^ (c >> 8)
    })
}

/// The standard CRC-32C of `data` (`checksum(b"123456789") == 0xE3069283`).
pub fn checksum(data: &[u8]) -> u32 {
    !update(!0, data)
}
