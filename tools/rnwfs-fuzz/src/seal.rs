// SPDX-License-Identifier: GPL-2.0
//! Recomputing checksums after a mutation, so that a mutated structure gets past its
//! checksum and reaches the field checks behind it (which is what a hostile image does:
//! CRC-32C is no defence). The offsets are the format's (Documentation/rnwfs.rst); a test
//! checks that sealing what the format's encoders wrote changes nothing.

use rnwfs_format::{
    crc32c, extent::EXTENT_BLOCK_MAGIC, inode::INODE_SIZE, superblock::SUPERBLOCK_SIZE, BLOCK_SIZE,
};

fn put_u32(b: &mut [u8], at: usize, v: u32) {
    b[at..at + 4].copy_from_slice(&v.to_le_bytes());
}

fn get_u32(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

/// The superblock in the first bytes of `block`.
pub fn superblock(block: &mut [u8]) {
    let end = SUPERBLOCK_SIZE - 4;
    let crc = crc32c::checksum(&block[..end]);
    put_u32(block, end, crc);
}

/// The inode slot `slot` of inode `ino` (its checksum is seeded with its number).
pub fn inode(slot: &mut [u8], ino: u32) {
    let end = INODE_SIZE - 4;
    let crc = !crc32c::update(!ino, &slot[..end]);
    put_u32(slot, end, crc);
}

/// Every slot of an inode table block whose first inode is `first_ino`, except free
/// (all-zero) ones, which have no checksum.
pub fn inode_block(block: &mut [u8], first_ino: u32) {
    for (i, slot) in block.chunks_exact_mut(INODE_SIZE).enumerate() {
        if slot.iter().any(|&b| b != 0) {
            inode(slot, first_ino.wrapping_add(i as u32));
        }
    }
}

/// An extent block (seeded with the owner it names), if it carries the magic.
pub fn extent_block(block: &mut [u8]) {
    if block.len() < BLOCK_SIZE || get_u32(block, 0) != EXTENT_BLOCK_MAGIC {
        return;
    }
    let owner = get_u32(block, 8);
    let crc = !crc32c::update(!owner, &block[16..BLOCK_SIZE]);
    put_u32(block, 12, crc);
}

#[cfg(test)]
mod tests {
    use rnwfs_format::{inode::Inode, Extent, ExtentBlock, Layout, Superblock, BLOCK_SIZE};

    #[test]
    fn sealing_what_the_encoders_wrote_changes_nothing() {
        let sb = Superblock::new(Layout::new(4096, None).unwrap(), [1; 16], [2; 32], 5);
        let mut block = [0u8; BLOCK_SIZE];
        sb.encode(&mut block);
        let before = block;
        block[508] ^= 0xff;
        super::superblock(&mut block);
        assert_eq!(block, before);

        let inode = Inode {
            mode: 0o100644,
            links: 1,
            size: 3,
            ..Default::default()
        };
        let mut table = [0u8; BLOCK_SIZE];
        inode.encode(35, &mut table[2 * 256..]);
        let before = table;
        table[2 * 256 + 252] ^= 1;
        super::inode_block(&mut table, 33);
        assert_eq!(table, before);

        let mut eb = [0u8; BLOCK_SIZE];
        ExtentBlock::encode(
            9,
            &[Extent {
                logical: 1,
                physical: 2,
                len: 3,
                flags: 0,
            }],
            77,
            &mut eb,
        )
        .unwrap();
        let before = eb;
        eb[12] ^= 1;
        super::extent_block(&mut eb);
        assert_eq!(eb, before);
    }
}
