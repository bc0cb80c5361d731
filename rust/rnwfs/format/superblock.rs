// SPDX-License-Identifier: GPL-2.0
//! The superblock, at the start of block 0 (512 bytes; the rest of the block is zero).

use super::{bytes::*, crc32c, layout::Layout, FormatError, Result, BLOCK_SIZE};

pub const MAGIC: [u8; 8] = *b"RNWFS\0v1";
/// 2: extent blocks form a chain (1 had a single extent block per inode).
pub const VERSION: u32 = 2;
pub const SUPERBLOCK_SIZE: usize = 512;
/// Incompatible features this code understands (none yet: every bit refuses the mount).
pub const SUPPORTED_INCOMPAT: u32 = 0;
pub const ROOT_INO: u32 = 1;
pub const LABEL_LEN: usize = 32;

/// Whether the filesystem was unmounted cleanly. A mount sets Dirty (on disk) and an
/// unmount or sync of a clean state sets Clean; fsck reports a Dirty one as not cleanly
/// unmounted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    Clean = 1,
    Dirty = 2,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Superblock {
    pub layout: Layout,
    pub feature_compat: u32,
    pub feature_incompat: u32,
    pub feature_ro_compat: u32,
    pub state: State,
    pub free_blocks: u64,
    pub free_inodes: u32,
    pub root_ino: u32,
    pub uuid: [u8; 16],
    pub label: [u8; LABEL_LEN],
    pub mkfs_time: i64,
    pub write_time: i64,
    pub mount_count: u32,
}

// Field offsets.
const O_MAGIC: usize = 0;
const O_VERSION: usize = 8;
const O_COMPAT: usize = 12;
const O_INCOMPAT: usize = 16;
const O_RO_COMPAT: usize = 20;
const O_STATE: usize = 24;
const O_BLOCK_SIZE: usize = 28;
const O_TOTAL_BLOCKS: usize = 32;
const O_BITMAP_START: usize = 40;
const O_BITMAP_BLOCKS: usize = 48;
const O_ITABLE_START: usize = 56;
const O_ITABLE_BLOCKS: usize = 64;
const O_DATA_START: usize = 72;
const O_FREE_BLOCKS: usize = 80;
const O_INODE_COUNT: usize = 88;
const O_FREE_INODES: usize = 92;
const O_ROOT_INO: usize = 96;
const O_MOUNT_COUNT: usize = 100;
const O_MKFS_TIME: usize = 104;
const O_WRITE_TIME: usize = 112;
const O_UUID: usize = 120;
const O_LABEL: usize = 136;
const O_CHECKSUM: usize = SUPERBLOCK_SIZE - 4;

impl Superblock {
    /// A new filesystem's superblock (counts for an empty filesystem with its root).
    pub fn new(layout: Layout, uuid: [u8; 16], label: [u8; LABEL_LEN], now: i64) -> Self {
        Self {
            layout,
            feature_compat: 0,
            feature_incompat: 0,
            feature_ro_compat: 0,
            state: State::Clean,
            // metadata + the root directory's block
            free_blocks: layout.total_blocks - layout.metadata_blocks() - 1,
            free_inodes: layout.inode_count - 1,
            root_ino: ROOT_INO,
            uuid,
            label,
            mkfs_time: now,
            write_time: now,
            mount_count: 0,
        }
    }

    /// Encodes into the first [`SUPERBLOCK_SIZE`] bytes of `block`, checksum included.
    pub fn encode(&self, block: &mut [u8; BLOCK_SIZE]) {
        block.fill(0);
        let l = &self.layout;
        block[O_MAGIC..O_MAGIC + 8].copy_from_slice(&MAGIC);
        put_u32(block, O_VERSION, VERSION);
        put_u32(block, O_COMPAT, self.feature_compat);
        put_u32(block, O_INCOMPAT, self.feature_incompat);
        put_u32(block, O_RO_COMPAT, self.feature_ro_compat);
        put_u32(block, O_STATE, self.state as u32);
        put_u32(block, O_BLOCK_SIZE, BLOCK_SIZE as u32);
        put_u64(block, O_TOTAL_BLOCKS, l.total_blocks);
        put_u64(block, O_BITMAP_START, l.bitmap_start);
        put_u64(block, O_BITMAP_BLOCKS, l.bitmap_blocks);
        put_u64(block, O_ITABLE_START, l.inode_table_start);
        put_u64(block, O_ITABLE_BLOCKS, l.inode_table_blocks);
        put_u64(block, O_DATA_START, l.data_start);
        put_u64(block, O_FREE_BLOCKS, self.free_blocks);
        put_u32(block, O_INODE_COUNT, l.inode_count);
        put_u32(block, O_FREE_INODES, self.free_inodes);
        put_u32(block, O_ROOT_INO, self.root_ino);
        put_u32(block, O_MOUNT_COUNT, self.mount_count);
        put_i64(block, O_MKFS_TIME, self.mkfs_time);
        put_i64(block, O_WRITE_TIME, self.write_time);
        block[O_UUID..O_UUID + 16].copy_from_slice(&self.uuid);
        block[O_LABEL..O_LABEL + LABEL_LEN].copy_from_slice(&self.label);
        let crc = crc32c::checksum(&block[..O_CHECKSUM]);
        put_u32(block, O_CHECKSUM, crc);
    }

    /// Decodes and validates block 0: magic, version, features, checksum, geometry,
    /// counts. `device_blocks` is the size of the device it was read from.
    pub fn decode(block: &[u8; BLOCK_SIZE], device_blocks: u64) -> Result<Self> {
        if block[O_MAGIC..O_MAGIC + 8] != MAGIC {
            return Err(FormatError::BadMagic);
        }
        if get_u32(block, O_CHECKSUM) != crc32c::checksum(&block[..O_CHECKSUM]) {
            return Err(FormatError::BadChecksum);
        }
        let version = get_u32(block, O_VERSION);
        if version != VERSION {
            return Err(FormatError::UnsupportedVersion(version));
        }
        let incompat = get_u32(block, O_INCOMPAT);
        if incompat & !SUPPORTED_INCOMPAT != 0 {
            return Err(FormatError::UnsupportedFeatures(
                incompat & !SUPPORTED_INCOMPAT,
            ));
        }
        let bs = get_u32(block, O_BLOCK_SIZE);
        if bs as usize != BLOCK_SIZE {
            return Err(FormatError::BadBlockSize(bs));
        }
        let state = match get_u32(block, O_STATE) {
            1 => State::Clean,
            2 => State::Dirty,
            s => return Err(FormatError::BadState(s)),
        };
        let layout = Layout {
            total_blocks: get_u64(block, O_TOTAL_BLOCKS),
            bitmap_start: get_u64(block, O_BITMAP_START),
            bitmap_blocks: get_u64(block, O_BITMAP_BLOCKS),
            inode_table_start: get_u64(block, O_ITABLE_START),
            inode_table_blocks: get_u64(block, O_ITABLE_BLOCKS),
            inode_count: get_u32(block, O_INODE_COUNT),
            data_start: get_u64(block, O_DATA_START),
        };
        layout.validate()?;
        if layout.total_blocks > device_blocks {
            return Err(FormatError::BadGeometry(
                "filesystem larger than the device",
            ));
        }
        let mut uuid = [0u8; 16];
        uuid.copy_from_slice(&block[O_UUID..O_UUID + 16]);
        let mut label = [0u8; LABEL_LEN];
        label.copy_from_slice(&block[O_LABEL..O_LABEL + LABEL_LEN]);
        let sb = Self {
            layout,
            feature_compat: get_u32(block, O_COMPAT),
            feature_incompat: incompat,
            feature_ro_compat: get_u32(block, O_RO_COMPAT),
            state,
            free_blocks: get_u64(block, O_FREE_BLOCKS),
            free_inodes: get_u32(block, O_FREE_INODES),
            root_ino: get_u32(block, O_ROOT_INO),
            uuid,
            label,
            mkfs_time: get_i64(block, O_MKFS_TIME),
            write_time: get_i64(block, O_WRITE_TIME),
            mount_count: get_u32(block, O_MOUNT_COUNT),
        };
        if sb.root_ino != ROOT_INO {
            return Err(FormatError::BadField("root inode is not 1"));
        }
        if sb.free_blocks > layout.data_blocks() {
            return Err(FormatError::BadField(
                "free block count exceeds data blocks",
            ));
        }
        if sb.free_inodes > layout.max_free_inodes() {
            return Err(FormatError::BadField("free inode count exceeds inodes"));
        }
        Ok(sb)
    }
}
