// SPDX-License-Identifier: GPL-2.0
//! The whole-file check: size and every byte, read through a new buffered fd and a new
//! O_DIRECT fd (fresh descriptors: nothing cached in the tester's own), and the mmap rule
//! for the page that holds EOF.

use crate::{
    io::{self, mmap, sync, AlignedBuf},
    model::Model,
    report::{self, Entry, Failure},
};
use std::{fs::File, os::fd::AsRawFd, path::Path};

pub struct Context<'a> {
    pub path: &'a Path,
    pub align: u64,
    pub page: u64,
    /// Also read through O_DIRECT.
    pub direct: bool,
    /// Check that the EOF page reads zeros past EOF through mmap.
    pub eof_page: bool,
    pub last_op: u32,
}

fn fail(msg: String) -> Failure {
    Failure::error(msg)
}

/// Reads all of the file through `fd` into `buf` (which has room past the model's size,
/// so data beyond it shows), then compares.
fn read_and_compare(
    fd: i32,
    buf: &mut [u8],
    align: u64,
    model: &Model,
    history: &[Entry],
    what: &str,
    last_op: u32,
) -> Result<(), Failure> {
    let (got, _) =
        sync::read_full(fd, buf, 0, align).map_err(|e| fail(format!("{what}: read: {e}")))?;
    report::compare(what, 0, &buf[..got], model.bytes(), last_op, history)
}

pub fn whole_file(
    ctx: &Context,
    model: &Model,
    history: &[Entry],
    what: &str,
) -> Result<(), Failure> {
    let size = model.size();
    let room = usize::try_from(size.div_ceil(ctx.align) * ctx.align + ctx.align)
        .map_err(|_| fail(format!("{what}: file too large to check")))?;

    let f = File::open(ctx.path)
        .map_err(|e| fail(format!("{what}: open {}: {e}", ctx.path.display())))?;
    let fd = f.as_raw_fd();
    let (st, end) = io::sizes(fd).map_err(|e| fail(format!("{what}: {e}")))?;
    if st != size || end != size {
        return Err(Failure {
            message: format!("SIZE MISMATCH in {what}: fstat says {st:#x}, SEEK_END {end:#x}, the model {size:#x}"),
            offset: Some(st.min(end).min(size)),
        });
    }
    let mut buf = vec![0u8; room];
    read_and_compare(
        fd,
        &mut buf,
        1,
        model,
        history,
        &format!("{what}: buffered read of the whole file"),
        ctx.last_op,
    )?;

    if ctx.eof_page {
        if let Some((off, b)) =
            mmap::check_eof_page(fd, size, ctx.page).map_err(|e| fail(format!("{what}: {e}")))?
        {
            return Err(Failure {
                message: format!(
                    "{what}: the mapped EOF page holds {b:#04x} at {off:#x}, past EOF ({size:#x}): mmap must show zeros there"
                ),
                offset: Some(off),
            });
        }
    }
    drop(f);

    if ctx.direct {
        let f = io::open_direct(ctx.path, false)
            .map_err(|e| fail(format!("{what}: open {} O_DIRECT: {e}", ctx.path.display())))?;
        let mut abuf = AlignedBuf::new(room, ctx.align.max(ctx.page) as usize).map_err(fail)?;
        read_and_compare(
            f.as_raw_fd(),
            abuf.as_mut_slice(),
            ctx.align,
            model,
            history,
            &format!("{what}: O_DIRECT read of the whole file"),
            ctx.last_op,
        )?;
    }
    Ok(())
}
