// SPDX-License-Identifier: GPL-2.0
//! Typed reads of the module's own parameters.
//!
//! 6.12's `module!` declares no parameters: a module declares them in C with
//! `module_param()` (a table, no code) and reads them here, by name, from the table the
//! module loader built (`THIS_MODULE->kp`). A read names the Rust type it wants, and gets
//! the value only if the parameter was declared with the matching `module_param()` type
//! (its `kernel_param_ops`): a `ulong` is never read as a `u32`.

use super::bindings;
use kernel::{prelude::*, str::CStr, ThisModule};

/// A Rust type a parameter can be read as, and the `module_param()` type that stores one.
pub(crate) trait ParamType: Copy + sealed::Sealed {
    /// `param_ops_<type>` of that type: the parameter's `ops`.
    fn ops() -> *const bindings::kernel_param_ops;
}

mod sealed {
    /// Only the types below: `read` copies the variable as one, so its layout must be the
    /// C type's.
    pub(crate) trait Sealed {}
    impl Sealed for u32 {}
    impl Sealed for usize {}
    impl Sealed for bool {}
}

/// `uint` (`unsigned int`).
impl ParamType for u32 {
    fn ops() -> *const bindings::kernel_param_ops {
        core::ptr::addr_of!(bindings::param_ops_uint)
    }
}

/// `ulong` (`unsigned long`, which the kernel's Rust spells `usize`).
impl ParamType for usize {
    fn ops() -> *const bindings::kernel_param_ops {
        core::ptr::addr_of!(bindings::param_ops_ulong)
    }
}

/// `bool`.
impl ParamType for bool {
    fn ops() -> *const bindings::kernel_param_ops {
        core::ptr::addr_of!(bindings::param_ops_bool)
    }
}

/// The value of `module`'s parameter `name`, as a `T`. ENOENT if the module has no such
/// parameter, EINVAL if it has another type: both mean the C table and the Rust reader
/// disagree, and are logged.
pub(crate) fn read<T: ParamType>(module: &'static ThisModule, name: &CStr) -> Result<T> {
    let module = module.as_ptr();
    if module.is_null() {
        // Built in: THIS_MODULE is NULL and the parameters are the kernel's.
        return Err(ENOENT);
    }
    // SAFETY: `module` is the live module (`ThisModule`'s invariant). The parameter lock
    // serialises with writes through sysfs.
    unsafe { bindings::kernel_param_lock(module) };
    // SAFETY: the loader set `kp`/`num_kp` before the module's init and never changes
    // them; the lock is held.
    let value = unsafe { read_locked::<T>(module, name) };
    // SAFETY: taken above.
    unsafe { bindings::kernel_param_unlock(module) };
    match value {
        Err(e) if e == ENOENT => pr_err!("module parameter {:?}: none of that name\n", name),
        Err(_) => pr_err!("module parameter {:?}: declared with another type\n", name),
        Ok(_) => (),
    }
    value
}

/// # Safety
///
/// `module` is a live module, and its parameter lock is held.
unsafe fn read_locked<T: ParamType>(module: *mut bindings::module, name: &CStr) -> Result<T> {
    // SAFETY: a live module (the contract).
    let (table, count) = unsafe { ((*module).kp, (*module).num_kp) };
    if table.is_null() || count == 0 {
        return Err(ENOENT);
    }
    // SAFETY: the loader's table of `num_kp` parameters, which lives as long as the module.
    let params = unsafe { core::slice::from_raw_parts(table, count as usize) };
    let mut found = None;
    for param in params {
        // SAFETY: every parameter's name is a NUL-terminated string of the module's.
        if unsafe { CStr::from_char_ptr(param.name) }.as_bytes() == name.as_bytes() {
            found = Some(param);
            break;
        }
    }
    let found = found.ok_or(ENOENT)?;
    if !core::ptr::eq(found.ops, T::ops()) {
        return Err(EINVAL);
    }
    // SAFETY: with these ops, `arg` is the union member in use, and points to the
    // parameter's variable, of the C type `T` is (`ParamType`): `module_param()` checks
    // the variable's type at compile time. Writes are excluded by the lock.
    Ok(unsafe { found.__bindgen_anon_1.arg.cast::<T>().read() })
}
