// SPDX-License-Identifier: GPL-2.0
//! `DirContext`: a readdir in progress (`->iterate_shared`).

use crate::rnwk::bindings;
use core::{marker::PhantomData, ptr::NonNull};

/// What a directory entry names, as readdir reports it (`d_type`).
#[derive(Clone, Copy)]
pub(crate) enum EntryType {
    Regular,
    Directory,
    Symlink,
}

impl EntryType {
    fn d_type(self) -> u32 {
        match self {
            Self::Regular => bindings::DT_REG,
            Self::Directory => bindings::DT_DIR,
            Self::Symlink => bindings::DT_LNK,
        }
    }
}

/// The readdir context of an `->iterate_shared` call: where it is (`pos`, the filesystem's
/// cookie) and where the entries go.
///
/// # Invariants
///
/// `ctx` points to the caller's live `dir_context`, the callee's to change for `'a` (made
/// only from the callback's argument).
#[repr(transparent)]
pub(crate) struct DirContext<'a> {
    ctx: NonNull<bindings::dir_context>,
    _object: PhantomData<&'a mut bindings::dir_context>,
}

impl DirContext<'_> {
    /// The position to go on from.
    pub(crate) fn pos(&self) -> i64 {
        // SAFETY: a live context (type invariant).
        unsafe { (*self.ctx.as_ptr()).pos }
    }

    /// Records where a later call goes on from.
    pub(crate) fn set_pos(&mut self, pos: i64) {
        // SAFETY: a live context, ours to change (type invariant).
        unsafe { (*self.ctx.as_ptr()).pos = pos }
    }

    /// Hands an entry to the reader (`dir_emit`, which copies the name); false when the
    /// reader's buffer is full (this entry is not taken: emit it again next time). A name
    /// longer than an `int` is never taken.
    pub(crate) fn emit(&mut self, name: &[u8], ino: u64, kind: EntryType) -> bool {
        let Ok(len) = i32::try_from(name.len()) else {
            return false;
        };
        // SAFETY: a live context (type invariant); `name` is `len` readable bytes.
        unsafe {
            bindings::rnwk_dir_emit(
                self.ctx.as_ptr(),
                name.as_ptr().cast(),
                len,
                ino,
                kind.d_type(),
            )
        }
    }
}
from_callback_arg!(DirContext, ctx, bindings::dir_context);
