// SPDX-License-Identifier: GPL-2.0
//! Inodes being born: one being created for a new file ([`UnhashedInode`], then
//! [`NewInode`]) and one being read in by `iget` ([`LoadingInode`]). Each state owns the
//! inode's reference and, dropped unfinished, undoes exactly what the VFS needs undone.

use super::{
    fs_type, inode_ops::set_operations, InodeAttrs, InodeRef, MntIdmap, NegativeDentry, OwnedInode,
    SuperBlock,
};
use crate::rnwk::bindings;
use core::{mem::ManuallyDrop, ptr::NonNull};
use kernel::prelude::*;

/// A new inode of a file being created, not yet numbered or in the inode cache: nobody
/// else can reach it. Dropped, its reference goes (`iput`); eviction then sees inode number
/// 0, which owns nothing on disk.
///
/// # Invariants
///
/// `inode` is a reference this handle owns to an inode made by `new_inode`, not hashed.
#[must_use = "a new inode is dropped unless hashed"]
pub(crate) struct UnhashedInode<'a>(OwnedInode<'a>);

/// A new inode of a file being created, numbered and in the inode cache but locked
/// (`I_NEW`) until [`Self::instantiate`] gives it a name. Dropped unnamed, it is unlinked and
/// discarded (`clear_nlink`, `discard_new_inode`): eviction frees what it holds on disk.
///
/// # Invariants
///
/// `inode` is a reference this handle owns to a hashed `I_NEW` inode this task created.
#[must_use = "a new inode is discarded unless instantiated"]
pub(crate) struct NewInode<'a>(ManuallyDrop<OwnedInode<'a>>);

/// An inode `iget` found not in memory: locked (`I_NEW`) and blank until
/// [`Self::finish`] gives it its attributes. Dropped unfinished, it is marked bad and
/// released (`iget_failed`): eviction of a bad inode touches nothing on disk.
///
/// # Invariants
///
/// `inode` is a reference this handle owns to an `I_NEW` inode `iget_locked` returned.
#[must_use = "an inode being read in is failed unless finished"]
pub(crate) struct LoadingInode<'a>(ManuallyDrop<OwnedInode<'a>>);

/// What [`SuperBlock::iget`] found.
pub(crate) enum Iget<'a> {
    /// The inode was in memory: ready.
    Cached(OwnedInode<'a>),
    /// The inode must be read in.
    Loading(LoadingInode<'a>),
}

impl<'a> SuperBlock<'a> {
    /// A new inode for a file being created in `dir` through `idmap`, with `mode`, owners as
    /// `inode_init_owner` sets them, its timestamps now, a random generation and the
    /// filesystem's operations for its type. ENOMEM if none can be had.
    pub(crate) fn new_inode(
        &self,
        idmap: &MntIdmap<'_>,
        dir: InodeRef<'_>,
        mode: u16,
    ) -> Result<UnhashedInode<'a>> {
        // The operations it gets are the registered filesystem's.
        if !fs_type::is_ours(*self) {
            return Err(EINVAL);
        }
        // SAFETY: a live super block (`SuperBlock`'s invariant).
        let inode = NonNull::new(unsafe { bindings::new_inode(self.as_ptr()) }).ok_or(ENOMEM)?;
        // SAFETY: `new_inode` gave us its one reference, on an inode of this super block.
        let owned = unsafe { OwnedInode::from_raw(inode) };
        // SAFETY: a fresh inode only we reach; `idmap` and `dir` are live for the call.
        unsafe {
            bindings::inode_init_owner(idmap.as_ptr(), inode.as_ptr(), dir.as_ptr(), mode);
            bindings::simple_inode_init_ts(inode.as_ptr());
            (*inode.as_ptr()).i_generation = bindings::get_random_u32();
        }
        set_operations(owned.get());
        // INVARIANT: made by `new_inode`, not hashed.
        Ok(UnhashedInode(owned))
    }

    /// The in-memory inode numbered `ino`, if cached; else a locked blank one to read in.
    /// ENOMEM if none can be had.
    pub(crate) fn iget(&self, ino: u64) -> Result<Iget<'a>> {
        // An inode being read in gets the registered filesystem's operations (`finish`).
        if !fs_type::is_ours(*self) {
            return Err(EINVAL);
        }
        let ino = usize::try_from(ino).map_err(|_| EINVAL)?;
        // SAFETY: a live super block (`SuperBlock`'s invariant).
        let inode = NonNull::new(unsafe { bindings::iget_locked(self.as_ptr(), ino) });
        let inode = inode.ok_or(ENOMEM)?;
        // SAFETY: `iget_locked` returned a reference to an inode of this super block.
        let owned = unsafe { OwnedInode::from_raw(inode) };
        // SAFETY: a live inode; `I_NEW` is ours to clear if set, so it cannot change under us.
        if unsafe { bindings::rnwk_inode_is_new(inode.as_ptr()) } {
            // INVARIANT: an `I_NEW` inode from `iget_locked`.
            Ok(Iget::Loading(LoadingInode(ManuallyDrop::new(owned))))
        } else {
            Ok(Iget::Cached(owned))
        }
    }
}

impl<'a> UnhashedInode<'a> {
    /// The inode.
    pub(crate) fn get(&self) -> InodeRef<'_> {
        self.0.get()
    }

    /// Numbers the inode `ino` and puts it in the inode cache, locked. EEXIST if an inode of
    /// that number is already there: the filesystem gave out a number in use, so its own
    /// records are already wrong. The new inode is then unlinked and dropped, and its
    /// eviction sees an unlinked inode numbered `ino`: a filesystem that frees the slot of
    /// unlinked inodes frees that number's slot, which the cached inode still uses; it
    /// should refuse (or repair) such an image before it gets here.
    pub(crate) fn hash(self, ino: u64) -> Result<NewInode<'a>> {
        let inode = self.0.get().as_ptr();
        // SAFETY: our unhashed inode, which nobody else reaches until it is hashed.
        let collided = unsafe {
            (*inode).i_ino = usize::try_from(ino).map_err(|_| EINVAL)?;
            bindings::insert_inode_locked(inode) != 0
        };
        if collided {
            self.0.get().clear_nlink();
            return Err(EEXIST);
        }
        // INVARIANT: `insert_inode_locked` hashed it with `I_NEW` set.
        Ok(NewInode(ManuallyDrop::new(self.0)))
    }
}

impl<'a> NewInode<'a> {
    /// The inode.
    pub(crate) fn get(&self) -> InodeRef<'_> {
        self.0.get()
    }

    /// Gives the inode its name: `dentry` (the negative dentry of the operation that created
    /// it) takes the reference, and the inode is unlocked for everyone.
    pub(crate) fn instantiate(self, dentry: NegativeDentry<'_>) {
        // SAFETY: a hashed `I_NEW` inode we own a reference to (type invariant), given to
        // the dentry, which is the call's and negative (`NegativeDentry`'s invariant).
        unsafe { bindings::d_instantiate_new(dentry.as_ptr(), self.take().into_raw()) }
    }

    fn take(self) -> OwnedInode<'a> {
        let mut this = ManuallyDrop::new(self);
        // SAFETY: taken once; `this` is never dropped, so the reference moves out.
        unsafe { ManuallyDrop::take(&mut this.0) }
    }
}

impl Drop for NewInode<'_> {
    fn drop(&mut self) {
        let inode = self.0.get().as_ptr();
        self.0.get().clear_nlink();
        // SAFETY: a hashed `I_NEW` inode this task created (type invariant):
        // `discard_new_inode` unlocks it and drops the handle's reference (the field is a
        // `ManuallyDrop`: it does not drop it again).
        unsafe { bindings::discard_new_inode(inode) };
    }
}

impl<'a> LoadingInode<'a> {
    /// The inode (blank: only its number and super block are set).
    pub(crate) fn get(&self) -> InodeRef<'_> {
        self.0.get()
    }

    /// Gives the inode its attributes and the filesystem's operations for its type, and
    /// unlocks it for everyone: it is ready.
    pub(crate) fn finish(self, attrs: &InodeAttrs) -> OwnedInode<'a> {
        let mut this = ManuallyDrop::new(self);
        // SAFETY: taken once; `this` is never dropped, so the reference moves out.
        let owned = unsafe { ManuallyDrop::take(&mut this.0) };
        attrs.set(owned.get());
        set_operations(owned.get());
        // SAFETY: our `I_NEW` inode (type invariant), now filled in.
        unsafe { bindings::unlock_new_inode(owned.get().as_ptr()) };
        owned
    }
}

impl Drop for LoadingInode<'_> {
    fn drop(&mut self) {
        // SAFETY: an `I_NEW` inode from `iget_locked` (type invariant): `iget_failed` marks
        // it bad, unlocks it and drops the handle's reference (the field is a
        // `ManuallyDrop`: it does not drop it again).
        unsafe { bindings::iget_failed(self.0.get().as_ptr()) };
    }
}
