// SPDX-License-Identifier: GPL-2.0
//! Safe debugfs directories holding read-only text files rendered by Rust code.
//!
//! Shared by rnwblk and rnwfs (compiled into both modules) for their counters. A [`Dir`]
//! owns what its files point at: on drop it removes the directory (debugfs waits for
//! readers in progress), then releases the data.

use core::{
    ffi::c_void,
    fmt::{self, Write},
};
use kernel::{bindings, prelude::*, str::CStr, sync::Arc, ThisModule};

// debugfs.h is not in 6.12's bindings; these are exported functions. Like the kernel's
// bindings crate, allow improper_ctypes: zero-sized arch structs sit deep inside `dentry`.
#[allow(improper_ctypes)]
extern "C" {
    fn debugfs_create_dir(name: *const u8, parent: *mut bindings::dentry) -> *mut bindings::dentry;
    fn debugfs_create_file(
        name: *const u8,
        mode: u16,
        parent: *mut bindings::dentry,
        data: *mut c_void,
        fops: *const bindings::file_operations,
    ) -> *mut bindings::dentry;
    fn debugfs_remove(dentry: *mut bindings::dentry);
    #[allow(dead_code)] // rnwfs's (`Dir::new_in`)
    fn debugfs_lookup(name: *const u8, parent: *mut bindings::dentry) -> *mut bindings::dentry;
}

/// Text that a debugfs file shows, rendered afresh on every read.
pub(crate) trait Show: Send + Sync {
    /// Writes the file's contents.
    fn show(&self, out: &mut TextBuf) -> fmt::Result;
}

/// A number a debugfs file shows and accepts (`echo N > file`).
// Knob files are rnwblk's (rnwfs has none yet), hence the allows in this file.
#[allow(dead_code)]
pub(crate) trait Knob: Send + Sync {
    fn get(&self) -> u64;
    /// Sets the value; an error (e.g. EINVAL out of range) fails the write, nothing changed.
    fn set(&self, v: u64) -> Result;
}

/// A growable text buffer; `write!` into it.
pub(crate) struct TextBuf(KVec<u8>);

impl fmt::Write for TextBuf {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.0
            .extend_from_slice(s.as_bytes(), GFP_KERNEL)
            .map_err(|_| fmt::Error)
    }
}

/// Something a [`Dir`] keeps alive until its files are gone.
struct Owned {
    ptr: *const c_void,
    release: unsafe fn(*const c_void),
}

/// A debugfs directory and the data of its files.
pub(crate) struct Dir {
    dentry: *mut bindings::dentry,
    owned: KVec<Owned>,
}

// SAFETY: the dentry pointer is only passed to debugfs, which locks internally; the owned
// pointers are `Arc<T: Send + Sync>` and `KBox<file_operations>` that nothing else touches.
unsafe impl Send for Dir {}
// SAFETY: `&Dir` gives access to nothing mutable.
unsafe impl Sync for Dir {}

/// debugfs returns ERR_PTR on failure (and NULL from the stubs when it is compiled out).
fn check(dentry: *mut bindings::dentry) -> Result<*mut bindings::dentry> {
    match kernel::error::from_err_ptr(dentry)? {
        d if d.is_null() => Err(ENODEV),
        d => Ok(d),
    }
}

impl Dir {
    /// Creates `name` at the debugfs root, or inside `parent`.
    pub(crate) fn new(name: &CStr, parent: Option<&Dir>) -> Result<Self> {
        let parent = parent.map_or(core::ptr::null_mut(), |p| p.dentry);
        // SAFETY: `name` is NUL-terminated; `parent` is null or a live directory.
        let dentry = check(unsafe { debugfs_create_dir(name.as_char_ptr().cast(), parent) })?;
        Ok(Self {
            dentry,
            owned: KVec::new(),
        })
    }

    /// Creates `name` inside the top-level directory `parent_name` (made by another
    /// [`Dir`], which must outlive this one, as a module's root outlives its mounts').
    #[allow(dead_code)] // rnwfs's (a directory per mount)
    pub(crate) fn new_in(parent_name: &CStr, name: &CStr) -> Result<Self> {
        // SAFETY: `parent_name` is NUL-terminated; a null parent is the debugfs root.
        let parent = check(unsafe {
            debugfs_lookup(parent_name.as_char_ptr().cast(), core::ptr::null_mut())
        })?;
        // SAFETY: `name` is NUL-terminated; `parent` is a live directory, referenced by the
        // lookup until the `dput` below.
        let dentry = check(unsafe { debugfs_create_dir(name.as_char_ptr().cast(), parent) });
        // SAFETY: the lookup's reference, dropped once.
        unsafe { bindings::dput(parent) };
        Ok(Self {
            dentry: dentry?,
            owned: KVec::new(),
        })
    }

    /// Adds a read-only file `name` that shows `data`. An open file holds a reference on
    /// `module`, so the module cannot go away under a reader.
    pub(crate) fn add_file<T: Show + 'static>(
        &mut self,
        name: &CStr,
        module: &'static ThisModule,
        data: Arc<T>,
    ) -> Result {
        self.add(name, 0o444, module, data, Some(read_text::<T>), None)
    }

    /// Adds a read-write file `name` for a number.
    #[allow(dead_code)]
    pub(crate) fn add_knob<T: Knob + 'static>(
        &mut self,
        name: &CStr,
        module: &'static ThisModule,
        data: Arc<T>,
    ) -> Result {
        self.add(
            name,
            0o644,
            module,
            data,
            Some(read_knob::<T>),
            Some(write_knob::<T>),
        )
    }

    fn add<T: Send + Sync + 'static>(
        &mut self,
        name: &CStr,
        mode: u16,
        module: &'static ThisModule,
        data: Arc<T>,
        read: ReadFn,
        write: WriteFn,
    ) -> Result {
        let fops = KBox::new(
            bindings::file_operations {
                owner: module.as_ptr(),
                open: Some(bindings::simple_open),
                read,
                write,
                llseek: Some(bindings::default_llseek),
                ..Default::default()
            },
            GFP_KERNEL,
        )?;
        self.owned.reserve(2, GFP_KERNEL)?;
        let fops = KBox::into_raw(fops);
        let data = Arc::into_raw(data);
        // Pushes cannot fail after the reserve above; the releases run in `drop`.
        let _ = self.owned.push(
            Owned {
                ptr: fops.cast(),
                release: release_box::<bindings::file_operations>,
            },
            GFP_KERNEL,
        );
        let _ = self.owned.push(
            Owned {
                ptr: data.cast(),
                release: release_arc::<T>,
            },
            GFP_KERNEL,
        );
        // SAFETY: `fops` and `data` stay valid until `drop` has removed the file.
        check(unsafe {
            debugfs_create_file(
                name.as_char_ptr().cast(),
                mode,
                self.dentry,
                data as *mut c_void,
                fops,
            )
        })?;
        Ok(())
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        // SAFETY: `dentry` is ours; debugfs_remove returns once no file operation runs.
        unsafe { debugfs_remove(self.dentry) };
        for o in self.owned.iter() {
            // SAFETY: each pointer was made by the matching `into_raw`, released once here.
            unsafe { (o.release)(o.ptr) };
        }
    }
}

/// # Safety
/// `p` came from `KBox::<T>::into_raw` and is not used afterwards.
unsafe fn release_box<T>(p: *const c_void) {
    // SAFETY: per the function's contract.
    drop(unsafe { KBox::from_raw(p as *mut T) });
}

/// # Safety
/// `p` came from `Arc::<T>::into_raw` and is not used afterwards.
unsafe fn release_arc<T>(p: *const c_void) {
    // SAFETY: per the function's contract.
    drop(unsafe { Arc::from_raw(p as *const T) });
}

type ReadFn = Option<
    unsafe extern "C" fn(*mut bindings::file, *mut u8, usize, *mut bindings::loff_t) -> isize,
>;
type WriteFn = Option<
    unsafe extern "C" fn(*mut bindings::file, *const u8, usize, *mut bindings::loff_t) -> isize,
>;

/// The data behind an open file.
///
/// # Safety
/// `file` is an open file of a `Dir` whose data is a `T`.
unsafe fn file_data<'a, T>(file: *mut bindings::file) -> &'a T {
    // SAFETY: simple_open set private_data to the `Arc<T>` payload passed at creation, which
    // outlives the file (see `Dir::drop`).
    unsafe { &*((*file).private_data as *const T) }
}

/// Renders the file's text with `render` and copies it to the reader at `*ppos`.
///
/// # Safety
/// `file` is an open file of a `Dir` whose data is a `T`; `buf`, `count` and `ppos` come
/// from the VFS read path.
unsafe fn read_rendered<T>(
    file: *mut bindings::file,
    buf: *mut u8,
    count: usize,
    ppos: *mut bindings::loff_t,
    render: impl FnOnce(&T, &mut TextBuf) -> fmt::Result,
) -> isize {
    // SAFETY: per the contract.
    let data: &T = unsafe { file_data(file) };
    let mut text = TextBuf(KVec::new());
    if render(data, &mut text).is_err() {
        return ENOMEM.to_errno() as isize;
    }
    // SAFETY: per the contract; the source is our buffer.
    unsafe {
        bindings::simple_read_from_buffer(
            buf.cast(),
            count,
            ppos,
            text.0.as_ptr().cast(),
            text.0.len(),
        )
    }
}

/// `read` of a file made by [`Dir::add_file`].
///
/// # Safety
///
/// Called by the VFS on an open file of a `Dir` whose data is a `T`.
unsafe extern "C" fn read_text<T: Show>(
    file: *mut bindings::file,
    buf: *mut u8,
    count: usize,
    ppos: *mut bindings::loff_t,
) -> isize {
    // SAFETY: installed by `add_file::<T>` for the VFS read path.
    unsafe { read_rendered(file, buf, count, ppos, |data: &T, out| data.show(out)) }
}

/// `read` of a file made by [`Dir::add_knob`].
///
/// # Safety
///
/// Called by the VFS on an open file of a `Dir` whose data is a `T`.
#[allow(dead_code)]
unsafe extern "C" fn read_knob<T: Knob>(
    file: *mut bindings::file,
    buf: *mut u8,
    count: usize,
    ppos: *mut bindings::loff_t,
) -> isize {
    // SAFETY: installed by `add_knob::<T>` for the VFS read path.
    unsafe {
        read_rendered(file, buf, count, ppos, |data: &T, out| {
            writeln!(out, "{}", data.get())
        })
    }
}

/// `write` of a file made by [`Dir::add_knob`].
///
/// # Safety
///
/// Called by the VFS on an open file of a `Dir` whose data is a `T`, with the user buffer
/// of the write.
#[allow(dead_code)]
unsafe extern "C" fn write_knob<T: Knob>(
    file: *mut bindings::file,
    buf: *const u8,
    count: usize,
    _ppos: *mut bindings::loff_t,
) -> isize {
    // SAFETY: installed by `add_knob::<T>`.
    let data: &T = unsafe { file_data(file) };
    let mut v: u64 = 0;
    // SAFETY: `buf`/`count` are the user buffer of this write; `v` is a local.
    let ret = unsafe { bindings::kstrtoull_from_user(buf.cast(), count, 0, &mut v) };
    if ret < 0 {
        return ret as isize;
    }
    match data.set(v) {
        Ok(()) => count as isize,
        Err(e) => e.to_errno() as isize,
    }
}
