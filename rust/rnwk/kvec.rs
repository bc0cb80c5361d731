// SPDX-License-Identifier: GPL-2.0
//! What 6.12's `kernel::alloc::KVec`/`KVVec` lack and safe code needs.

use kernel::alloc::{Allocator, Vec};

/// Drops the elements of `v` from `len` on (6.12's vectors have no `truncate`). For `Copy`
/// elements, which need no drop.
pub(crate) fn truncate<T: Copy, A: Allocator>(v: &mut Vec<T, A>, len: usize) {
    if len < v.len() {
        // SAFETY: shrinking: the first `len` elements stay initialised, and the ones cut
        // off are `Copy`, so nothing needed dropping.
        unsafe { v.set_len(len) };
    }
}
