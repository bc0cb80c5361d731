// SPDX-License-Identifier: GPL-2.0
//! `InodeAttrs`: the attributes a filesystem stores for an inode and the VFS keeps in it.

use super::InodeRef;
use crate::rnwk::bindings;

/// A timestamp: seconds since the epoch and nanoseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct InodeTime {
    pub(crate) sec: i64,
    pub(crate) nsec: u32,
}

/// An inode's attributes, as a filesystem reads them from disk or writes them back.
/// Owners are in the initial user namespace (`i_uid_read`/`i_uid_write`).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct InodeAttrs {
    pub(crate) mode: u16,
    pub(crate) uid: u32,
    pub(crate) gid: u32,
    pub(crate) nlink: u32,
    pub(crate) size: u64,
    pub(crate) atime: InodeTime,
    pub(crate) mtime: InodeTime,
    pub(crate) ctime: InodeTime,
    pub(crate) generation: u32,
}

impl InodeAttrs {
    fn to_c(self) -> bindings::rnwk_inode_attrs {
        bindings::rnwk_inode_attrs {
            mode: self.mode,
            uid: self.uid,
            gid: self.gid,
            nlink: self.nlink,
            size: self.size,
            atime_sec: self.atime.sec,
            atime_nsec: self.atime.nsec,
            mtime_sec: self.mtime.sec,
            mtime_nsec: self.mtime.nsec,
            ctime_sec: self.ctime.sec,
            ctime_nsec: self.ctime.nsec,
            generation: self.generation,
        }
    }

    fn from_c(a: &bindings::rnwk_inode_attrs) -> Self {
        Self {
            mode: a.mode,
            uid: a.uid,
            gid: a.gid,
            nlink: a.nlink,
            size: a.size,
            atime: InodeTime {
                sec: a.atime_sec,
                nsec: a.atime_nsec,
            },
            mtime: InodeTime {
                sec: a.mtime_sec,
                nsec: a.mtime_nsec,
            },
            ctime: InodeTime {
                sec: a.ctime_sec,
                nsec: a.ctime_nsec,
            },
            generation: a.generation,
        }
    }

    /// Makes these the attributes of `inode`, an inode being read in that only its loader
    /// reaches (see [`super::LoadingInode::finish`]).
    pub(super) fn set(&self, inode: InodeRef<'_>) {
        let c = self.to_c();
        // SAFETY: a live inode (`InodeRef`'s invariant) that only the caller reaches; `c`
        // is ours for the call.
        unsafe { bindings::rnwk_inode_set_attrs(inode.as_ptr(), &c) }
    }
}

impl InodeRef<'_> {
    /// The inode's attributes now. Fields its writers change under i_rwsem are consistent
    /// if the caller holds it.
    pub(crate) fn attrs(&self) -> InodeAttrs {
        let mut c = bindings::rnwk_inode_attrs::default();
        // SAFETY: a live inode (`InodeRef`'s invariant); `c` is ours.
        unsafe { bindings::rnwk_inode_get_attrs(self.as_ptr(), &mut c) };
        InodeAttrs::from_c(&c)
    }
}
