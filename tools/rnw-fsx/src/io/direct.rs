// SPDX-License-Identifier: GPL-2.0
//! O_DIRECT needs buffers aligned to the logical block size (we use `--align`, at least
//! the page size for the buffer itself); io_uring's registered buffer is the same one.

use std::{alloc::Layout, path::Path, ptr::NonNull};

/// A zeroed heap buffer with the given alignment.
pub struct AlignedBuf {
    ptr: NonNull<u8>,
    layout: Layout,
}

impl AlignedBuf {
    pub fn new(len: usize, align: usize) -> Result<AlignedBuf, String> {
        let layout = Layout::from_size_align(len.max(1), align)
            .map_err(|e| format!("buffer of {len} bytes aligned to {align}: {e}"))?;
        // SAFETY: the layout has a non-zero size.
        let ptr = unsafe { std::alloc::alloc_zeroed(layout) };
        let ptr =
            NonNull::new(ptr).ok_or_else(|| format!("out of memory for a {len}-byte buffer"))?;
        Ok(AlignedBuf { ptr, layout })
    }

    pub fn len(&self) -> usize {
        self.layout.size()
    }

    pub fn as_slice(&self) -> &[u8] {
        // SAFETY: ptr points to layout.size() initialised (zeroed) bytes we own.
        unsafe { std::slice::from_raw_parts(self.ptr.as_ptr(), self.layout.size()) }
    }

    pub fn as_mut_slice(&mut self) -> &mut [u8] {
        // SAFETY: as above, and &mut self makes the borrow unique.
        unsafe { std::slice::from_raw_parts_mut(self.ptr.as_ptr(), self.layout.size()) }
    }

    /// For the kernel: the buffer outlives every request made from it (the tester holds
    /// it for the whole run).
    pub fn as_mut_ptr(&mut self) -> *mut u8 {
        self.ptr.as_ptr()
    }
}

impl Drop for AlignedBuf {
    fn drop(&mut self) {
        // SAFETY: allocated in new() with this layout.
        unsafe { std::alloc::dealloc(self.ptr.as_ptr(), self.layout) }
    }
}

/// Whether the filesystem holding `path` accepts O_DIRECT (tmpfs refuses it with EINVAL):
/// Ok(false) for EINVAL, Err for anything else.
pub fn supported(path: &Path) -> Result<bool, String> {
    match super::open_direct(path, false) {
        Ok(_) => Ok(true),
        Err(e) if super::errno_of(&e) == libc::EINVAL => Ok(false),
        Err(e) => Err(format!("open {} O_DIRECT: {e}", path.display())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buffers_are_aligned_and_zeroed() {
        for align in [512usize, 4096, 65536] {
            let b = AlignedBuf::new(12345, align).unwrap();
            assert_eq!(b.as_slice().as_ptr() as usize % align, 0);
            assert!(b.as_slice().iter().all(|&x| x == 0));
            assert_eq!(b.len(), 12345);
        }
    }
}
