// SPDX-License-Identifier: GPL-2.0
//! `FsContext`: a mount or remount in progress.

use super::{fs_type::MountFlags, SuperBlock};
use crate::rnwk::bindings;
use core::{marker::PhantomData, ptr::NonNull};
use kernel::str::CStr;

/// The `fs_context` of a mount (`get_tree`'s fill_super) or remount (`->reconfigure`), for
/// the call.
///
/// # Invariants
///
/// `fc` points to the live context of the mount or remount in progress, for `'a` (made only
/// from a callback's argument).
#[repr(transparent)]
pub(crate) struct FsContext<'a> {
    fc: NonNull<bindings::fs_context>,
    _object: PhantomData<&'a bindings::fs_context>,
}

impl<'a> FsContext<'a> {
    /// Whether the caller asks for a read-only mount.
    pub(crate) fn wants_read_only(&self) -> bool {
        // SAFETY: a live context (type invariant).
        unsafe { bindings::rnwk_fc_wants_rdonly(self.fc.as_ptr()) }
    }

    /// The super block a remount changes (none while a new one is being set up).
    pub(crate) fn remounted(&self) -> Option<SuperBlock<'a>> {
        // SAFETY: a live context (type invariant); a remount's root, and so its super block,
        // is live for the call.
        unsafe {
            let sb = bindings::rnwk_fc_root_sb(self.fc.as_ptr());
            (!sb.is_null()).then(|| SuperBlock::from_raw(sb))
        }
    }

    /// Reports why the mount is refused, to its caller (mount(2), fsconfig(2)) and the
    /// kernel log, as "`fs`: source: `why`".
    pub(crate) fn report_error(&self, fs: &CStr, why: &str) {
        let len = i32::try_from(why.len()).unwrap_or(i32::MAX);
        // SAFETY: a live context (type invariant); `fs` is NUL-terminated and `why` has at
        // least `len` bytes; errorf copies them.
        unsafe {
            bindings::rnwk_fc_error(self.fc.as_ptr(), fs.as_char_ptr(), why.as_ptr().cast(), len)
        }
    }

    /// What the mount or remount said of the flag `FileSystem::FLAGS[index]`: `Some(true)`
    /// for `-o name`, `Some(false)` for `-o noname`, `None` if neither (the last one given
    /// counts).
    pub(crate) fn flag(&self, index: usize) -> Option<bool> {
        // SAFETY: a live context (type invariant) of the registered filesystem (the layer
        // makes these handles only in that filesystem's callbacks), whose `fs_private` is
        // the `MountFlags` its `init_fs_context` made.
        let flags = unsafe { (*self.fc.as_ptr()).fs_private.cast::<MountFlags>().as_ref() }?;
        flags.get(index)
    }
}

from_callback_arg!(FsContext, fc, bindings::fs_context);
