// SPDX-License-Identifier: GPL-2.0
//! MAP_SHARED reads and writes, one mapping per op (as fsx does: every op faults the
//! pages in afresh), and the mmap rule of the page holding EOF: its bytes past EOF read
//! as zeros.

use super::os_err;
use crate::pattern;

/// A mapping of whole pages, unmapped on drop.
struct Mapping {
    ptr: *mut u8,
    len: usize,
}

impl Mapping {
    fn new(fd: i32, start: u64, len: usize, write: bool) -> Result<Mapping, String> {
        let prot = if write {
            libc::PROT_READ | libc::PROT_WRITE
        } else {
            libc::PROT_READ
        };
        // SAFETY: a fresh mapping; nothing else refers to the address range.
        let p = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                prot,
                libc::MAP_SHARED,
                fd,
                start as libc::off_t,
            )
        };
        if p == libc::MAP_FAILED {
            return Err(os_err(&format!("mmap {len:#x} bytes at {start:#x}")));
        }
        Ok(Mapping { ptr: p.cast(), len })
    }

    fn bytes(&self) -> &[u8] {
        // SAFETY: the mapping is len bytes long and lives as long as self. The caller
        // only maps pages that hold file data (a page wholly past EOF would SIGBUS).
        unsafe { std::slice::from_raw_parts(self.ptr, self.len) }
    }

    fn bytes_mut(&mut self) -> &mut [u8] {
        // SAFETY: as bytes(); mapped writable by the caller that writes.
        unsafe { std::slice::from_raw_parts_mut(self.ptr, self.len) }
    }

    fn msync(&self) -> Result<(), String> {
        // SAFETY: the range is our mapping.
        if unsafe { libc::msync(self.ptr.cast(), self.len, libc::MS_SYNC) } != 0 {
            return Err(os_err("msync"));
        }
        Ok(())
    }
}

impl Drop for Mapping {
    fn drop(&mut self) {
        // SAFETY: our mapping; no reference into it outlives self.
        unsafe { libc::munmap(self.ptr.cast(), self.len) };
    }
}

/// The pages around [off, off+len): (first page's offset, mapping length).
fn span(off: u64, len: usize, page: u64) -> (u64, usize) {
    let start = off - off % page;
    let end = (off + len as u64).div_ceil(page) * page;
    (start, (end - start) as usize)
}

/// A non-zero byte past EOF in the EOF page: (its file offset, its value).
pub type EofGarbage = Option<(u64, u8)>;

/// When the mapping ends in the page that holds EOF (and EOF is not page-aligned), the
/// first non-zero byte between EOF and that page's end.
fn eof_page_garbage(map: &Mapping, start: u64, size: u64, page: u64) -> EofGarbage {
    let map_end = start + map.len as u64;
    if size.is_multiple_of(page) || size < start || size >= map_end {
        return None;
    }
    let from = (size - start) as usize;
    map.bytes()[from..]
        .iter()
        .position(|&b| b != 0)
        .map(|i| (size + i as u64, map.bytes()[from + i]))
}

/// Reads `buf` at `off` (the range lies inside the file of `size` bytes) through a fresh
/// mapping; also reports garbage past EOF when `check_eof`.
pub fn read(
    fd: i32,
    buf: &mut [u8],
    off: u64,
    size: u64,
    page: u64,
    check_eof: bool,
) -> Result<EofGarbage, String> {
    let (start, len) = span(off, buf.len(), page);
    let map = Mapping::new(fd, start, len, false)?;
    let at = (off - start) as usize;
    buf.copy_from_slice(&map.bytes()[at..at + buf.len()]);
    Ok(if check_eof {
        eof_page_garbage(&map, start, size, page)
    } else {
        None
    })
}

/// Writes `buf` at `off` through a fresh mapping (the file is at least off+len long:
/// the caller extends it first), msync(MS_SYNC) if asked.
pub fn write(
    fd: i32,
    buf: &[u8],
    off: u64,
    size: u64,
    page: u64,
    msync: bool,
    check_eof: bool,
) -> Result<EofGarbage, String> {
    let (start, len) = span(off, buf.len(), page);
    let mut map = Mapping::new(fd, start, len, true)?;
    let at = (off - start) as usize;
    map.bytes_mut()[at..at + buf.len()].copy_from_slice(buf);
    if msync {
        map.msync()?;
    }
    Ok(if check_eof {
        eof_page_garbage(&map, start, size, page)
    } else {
        None
    })
}

/// The EOF page's check on its own (whole-file checks).
pub fn check_eof_page(fd: i32, size: u64, page: u64) -> Result<EofGarbage, String> {
    if size.is_multiple_of(page) {
        return Ok(None);
    }
    let start = size - size % page;
    let map = Mapping::new(fd, start, page as usize, false)?;
    Ok(eof_page_garbage(&map, start, size, page))
}

/// `--pollute-eof`: fills the EOF page past EOF with data (pattern::POLLUTE_OP) before an
/// op that changes the size. Writing there through a mapping is allowed and reaches no
/// file byte; whatever later becomes part of the file must read as zeros, so the next
/// op has to zero it (the partial-block zeroing fsx's -e checks).
pub fn pollute_eof(fd: i32, size: u64, page: u64) -> Result<(), String> {
    if size.is_multiple_of(page) {
        return Ok(());
    }
    let start = size - size % page;
    let mut map = Mapping::new(fd, start, page as usize, true)?;
    let from = (size - start) as usize;
    pattern::fill(&mut map.bytes_mut()[from..], pattern::POLLUTE_OP, size);
    Ok(())
}
