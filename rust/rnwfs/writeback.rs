// SPDX-License-Identifier: GPL-2.0
//! Writeback completion. An ioend over unwritten extents completes on the super block's
//! ioend queue, in process context (converting the extents to written sleeps); while
//! writethrough writes wait (flags.rs), the others end through the writethrough engine.
#![deny(unsafe_code)]

use crate::{
    flags,
    iomap::convert_unwritten,
    rnwk::iomap::{CompletedIoend, Ioend},
    vfs::Inode,
};
use kernel::prelude::*;

/// `prepare_ioend` (rnwfs' `rnwk::iomap::Operations`): where the ioend's bio completes.
pub(crate) fn prepare_ioend(ioend: Ioend<'_>, status: i32) -> i32 {
    let Ok(inode) = Inode::of(ioend.inode()) else {
        return status; // not rnwfs' (never: the layer checks): iomap completes it
    };
    let sb = inode.sb();
    if ioend.is_unwritten() {
        ioend.complete_on(&sb.info().ioends);
    } else if flags::writethrough_waiting(sb) {
        flags::writethrough_hook(ioend);
    }
    status
}

/// An unwritten ioend whose bio ended (the super block's ioend queue's handler): its
/// blocks become written if its data is on the device, then its folios' writeback ends.
pub(crate) fn unwritten_ioend_ended(ioend: CompletedIoend) {
    let inode = match Inode::of(ioend.inode()) {
        Ok(inode) => inode,
        Err(e) => {
            ioend.finish(Err(e)); // not rnwfs' (never: the layer checks)
            return;
        }
    };
    let sb = inode.sb();
    let (offset, size) = (ioend.offset(), ioend.size());
    let mut result = ioend.status();
    if result.is_ok() && ioend.is_unwritten() {
        result = convert_unwritten(inode, offset, size);
        if let Err(e) = result {
            pr_err!(
                "inode {}: unwritten conversion failed: {:?}\n",
                inode.ino(),
                e
            );
        }
    }
    if let Err(e) = result {
        // Before the folios' writeback ends, which is what sync writers wait for.
        if flags::writethrough_waiting(sb) {
            flags::writethrough_ioend_error(inode, offset, size, e);
        }
    }
    // `inode` and `sb` borrow the ioend, which finishing ends: the inode may go then.
    let done = ioend.finish(result);
    flags::writethrough_writeback_done(
        done.super_block_addr,
        done.inode_addr,
        done.offset,
        done.size,
    );
}
