// SPDX-License-Identifier: GPL-2.0
//! `RwSem`: a reader/writer semaphore owning its data, with the try-variant nowait paths
//! need (6.12's `kernel::sync` has neither rwsem nor try_lock).

use crate::rnwk::bindings;
use core::{
    cell::UnsafeCell,
    marker::{PhantomData, PhantomPinned},
    ops::{Deref, DerefMut},
};
use kernel::{prelude::*, str::CStr, sync::LockClassKey, types::Opaque};

/// # Invariants
///
/// `sem` was initialised by [`RwSem::new_boxed`] at the address it keeps for its whole
/// life: the semaphore is only ever reached through the pinned box that function returns
/// (an initialised `rw_semaphore` must not move: its wait list points back at it). `data`
/// is read only under the semaphore (read or write) and changed only under it for write.
pub(crate) struct RwSem<T> {
    sem: Opaque<bindings::rw_semaphore>,
    data: UnsafeCell<T>,
    _pin: PhantomPinned,
}

// SAFETY: the semaphore serialises access to `data` across threads.
unsafe impl<T: Send> Send for RwSem<T> {}
// SAFETY: as above: shared references hand out `&T` under read and `&mut T` under write.
unsafe impl<T: Send + Sync> Sync for RwSem<T> {}

impl<T> RwSem<T> {
    /// A semaphore initialised at its final (heap) address, pinned there, in the lockdep
    /// class `key` named `name` (`kernel::static_lock_class!()` at the call site: one class
    /// per kind of lock, as `init_rwsem()` makes one per call site).
    pub(crate) fn new_boxed(
        data: T,
        name: &'static CStr,
        key: &'static LockClassKey,
    ) -> Result<Pin<KBox<Self>>> {
        let b = KBox::new(
            Self {
                sem: Opaque::uninit(),
                data: UnsafeCell::new(data),
                _pin: PhantomPinned,
            },
            GFP_KERNEL,
        )?;
        // `LockClassKey` is `repr(transparent)` over the C key (its `as_ptr` is private to
        // the kernel crate).
        let key = (key as *const LockClassKey)
            .cast::<bindings::lock_class_key>()
            .cast_mut();
        // SAFETY: initialises the semaphore in place, before anyone can use it; the box is
        // pinned below before it is handed out, so the semaphore never moves again. The name
        // and the key are static, as lockdep keeps them.
        unsafe { bindings::__init_rwsem(b.sem.get(), name.as_char_ptr(), key) };
        // INVARIANT: initialised at its final address, and pinned.
        Ok(Pin::from(b))
    }

    /// The read lock. Sleeps.
    pub(crate) fn read(&self) -> ReadGuard<'_, T> {
        // SAFETY: an initialised semaphore (type invariant).
        unsafe { bindings::down_read(self.sem.get()) };
        ReadGuard(self, PhantomData)
    }

    /// The read lock if it can be had without sleeping.
    pub(crate) fn try_read(&self) -> Option<ReadGuard<'_, T>> {
        // `then`, not `then_some`: a guard built eagerly for a failed trylock would be
        // dropped at once, an up_read of a semaphore this task never took.
        // SAFETY: as in `read`.
        (unsafe { bindings::down_read_trylock(self.sem.get()) } != 0)
            .then(|| ReadGuard(self, PhantomData))
    }

    /// The write lock. Sleeps. Allocations while it is held do not enter filesystem reclaim
    /// (which could need this very lock to write back or evict an inode).
    pub(crate) fn write(&self) -> WriteGuard<'_, T> {
        // SAFETY: as in `read`.
        unsafe { bindings::down_write(self.sem.get()) };
        // SAFETY: opens a NOFS scope, closed by the guard on this task.
        WriteGuard(
            self,
            unsafe { bindings::rnwk_memalloc_nofs_save() },
            PhantomData,
        )
    }
}

/// Not `Send` (the raw-pointer marker): an rwsem is released by the task that took it, and
/// the write guard's NOFS scope belongs to that task.
pub(crate) struct ReadGuard<'a, T>(&'a RwSem<T>, PhantomData<*mut ()>);
/// Not `Send`, as [`ReadGuard`]; the `u32` is the NOFS scope to restore.
pub(crate) struct WriteGuard<'a, T>(&'a RwSem<T>, u32, PhantomData<*mut ()>);

impl<T> Deref for ReadGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: the read lock is held: no writer exists (type invariant of `RwSem`).
        unsafe { &*self.0.data.get() }
    }
}

impl<T> Drop for ReadGuard<'_, T> {
    fn drop(&mut self) {
        // SAFETY: taken for read by this guard.
        unsafe { bindings::up_read(self.0.sem.get()) }
    }
}

impl<T> Deref for WriteGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: the write lock is held: this guard is the only accessor.
        unsafe { &*self.0.data.get() }
    }
}

impl<T> DerefMut for WriteGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as in `deref`.
        unsafe { &mut *self.0.data.get() }
    }
}

impl<T> Drop for WriteGuard<'_, T> {
    fn drop(&mut self) {
        // SAFETY: taken for write by this guard, which opened the NOFS scope.
        unsafe {
            bindings::rnwk_memalloc_nofs_restore(self.1);
            bindings::up_write(self.0.sem.get())
        }
    }
}
