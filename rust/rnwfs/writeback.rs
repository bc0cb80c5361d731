// SPDX-License-Identifier: GPL-2.0
//! Writeback completion. An ioend over unwritten extents completes on the super block's
//! ioend queue, in process context (converting the extents to written sleeps); the others
//! end where iomap ends them. (Writethrough writes build their own bios: writethrough.rs.)
#![deny(unsafe_code)]

use crate::{
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
    if ioend.is_unwritten() {
        ioend.complete_on(&inode.sb().info().ioends);
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
    // `inode` borrows the ioend, which finishing ends: the inode may go then.
    ioend.finish(result);
}
