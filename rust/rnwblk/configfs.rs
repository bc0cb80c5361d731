// SPDX-License-Identifier: GPL-2.0
//! Runtime devices: `mkdir /sys/kernel/config/rnwblk/NAME` makes a powered-off device
//! item; its attributes configure it; `power` 1 creates the disk, 0 deletes it (draining
//! I/O in flight; with a volatile cache, cutting the power first: writes not flushed are
//! lost); `rmdir` powers off and frees it. Geometry (size, blocksize, queues, discard,
//! volatile_cache) can change only while powered off; knobs change at any time and act on
//! the live device too. The tables live in rnwblk_configfs.c; this is what they mean.

use crate::{
    config::DeviceConfig, driver::Driver, ffi, knobs::KnobId, live_device::LiveDevice,
    rnwk::block::ram_store::Store,
};
use core::{
    fmt::{self, Write},
    pin::Pin,
    sync::atomic::{AtomicPtr, Ordering},
};
use kernel::{
    error::to_result,
    new_mutex,
    page::PAGE_SIZE,
    prelude::*,
    sync::{Arc, Mutex},
    types::Opaque,
};

/// The driver, while the configfs subsystem is registered (callbacks run only then).
static DRIVER: AtomicPtr<Driver> = AtomicPtr::new(core::ptr::null_mut());

fn driver() -> Option<&'static Driver> {
    // SAFETY: set by `Registration::new` to a Driver that outlives the registration, and
    // cleared only after configfs_unregister_subsystem has returned.
    unsafe { DRIVER.load(Ordering::Acquire).as_ref() }
}

/// The registered configfs subsystem; unregistered on drop.
pub(crate) struct Registration(());

impl Registration {
    /// `driver` must outlive the returned registration.
    pub(crate) fn new(driver: &Driver) -> Result<Self> {
        DRIVER.store(driver as *const Driver as *mut Driver, Ordering::Release);
        // SAFETY: registers the static subsystem of rnwblk_configfs.c once.
        if let Err(e) = to_result(unsafe { ffi::rnwblk_configfs_register() }) {
            DRIVER.store(core::ptr::null_mut(), Ordering::Release);
            return Err(e);
        }
        Ok(Self(()))
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        // SAFETY: registered in `new`. No item exists: each holds a module reference.
        unsafe { ffi::rnwblk_configfs_unregister() };
        DRIVER.store(core::ptr::null_mut(), Ordering::Release);
    }
}

struct ItemState {
    cfg: DeviceConfig,
    /// The data, kept across power cycles (like null_blk's memory-backed devices).
    store: Arc<Store>,
    live: Option<(u32, LiveDevice)>,
}

impl ItemState {
    fn power_on(&mut self, drv: &Driver) -> Result {
        if self.live.is_some() {
            return Ok(());
        }
        let index = drv.indices.claim()?;
        match LiveDevice::create(drv, index, self.cfg.clone(), self.store.clone()) {
            Ok(dev) => {
                self.live = Some((index, dev));
                Ok(())
            }
            Err(e) => {
                drv.indices.release(index);
                Err(e)
            }
        }
    }

    fn power_off(&mut self, drv: &Driver) {
        if let Some((index, dev)) = self.live.take() {
            // Knob changes made while powered (here or through debugfs) outlive the power.
            self.cfg.knobs.keep_live(&dev.device().knobs);
            if self.cfg.volatile_cache {
                dev.power_cut();
            }
            drop(dev); // deletes the disk: waits for I/O in flight
            drv.indices.release(index);
        }
    }
}

/// A device item. `item` comes first: configfs hands us `config_item` pointers.
#[repr(C)]
#[pin_data]
struct DevItem {
    item: Opaque<ffi::config_item>,
    #[pin]
    state: Mutex<ItemState>,
}

impl DevItem {
    /// # Safety
    /// `item` is the `item` of a live `DevItem` (made by `rnwblk_cfs_make_item`).
    unsafe fn from_item<'a>(item: *mut ffi::config_item) -> &'a DevItem {
        // SAFETY: per the contract; `item` is the first field of a repr(C) struct.
        unsafe { &*item.cast::<DevItem>() }
    }
}

/// What an attribute is.
enum Attr {
    Size,
    BlockSize,
    SubmitQueues,
    PollQueues,
    HwQueueDepth,
    Discard,
    VolatileCache,
    Knob(KnobId),
    Power,
    Index,
}

impl Attr {
    fn from_raw(a: ffi::rnwblk_cfs_attr) -> Option<Self> {
        Some(match a {
            ffi::rnwblk_cfs_attr_RNWBLK_CFS_SIZE => Self::Size,
            ffi::rnwblk_cfs_attr_RNWBLK_CFS_BLOCKSIZE => Self::BlockSize,
            ffi::rnwblk_cfs_attr_RNWBLK_CFS_SUBMIT_QUEUES => Self::SubmitQueues,
            ffi::rnwblk_cfs_attr_RNWBLK_CFS_POLL_QUEUES => Self::PollQueues,
            ffi::rnwblk_cfs_attr_RNWBLK_CFS_HW_QUEUE_DEPTH => Self::HwQueueDepth,
            ffi::rnwblk_cfs_attr_RNWBLK_CFS_DISCARD => Self::Discard,
            ffi::rnwblk_cfs_attr_RNWBLK_CFS_VOLATILE_CACHE => Self::VolatileCache,
            ffi::rnwblk_cfs_attr_RNWBLK_CFS_IRQMODE => Self::Knob(KnobId::IrqMode),
            ffi::rnwblk_cfs_attr_RNWBLK_CFS_COMPLETION_NSEC => Self::Knob(KnobId::CompletionNsec),
            ffi::rnwblk_cfs_attr_RNWBLK_CFS_MAX_INFLIGHT => Self::Knob(KnobId::MaxInflight),
            ffi::rnwblk_cfs_attr_RNWBLK_CFS_FAIL_EVERY => Self::Knob(KnobId::FailEvery),
            ffi::rnwblk_cfs_attr_RNWBLK_CFS_AGAIN_EVERY => Self::Knob(KnobId::AgainEvery),
            ffi::rnwblk_cfs_attr_RNWBLK_CFS_CONGESTED => Self::Knob(KnobId::Congested),
            ffi::rnwblk_cfs_attr_RNWBLK_CFS_NOWAIT_ALLOC => Self::Knob(KnobId::NowaitAlloc),
            ffi::rnwblk_cfs_attr_RNWBLK_CFS_POWER => Self::Power,
            ffi::rnwblk_cfs_attr_RNWBLK_CFS_INDEX => Self::Index,
            _ => return None,
        })
    }

    fn show(&self, st: &ItemState) -> u64 {
        let c = &st.cfg;
        match self {
            Self::Size => c.size_mib,
            Self::BlockSize => c.block_size.into(),
            Self::SubmitQueues => c.submit_queues.into(),
            Self::PollQueues => c.poll_queues.into(),
            Self::HwQueueDepth => c.hw_queue_depth.into(),
            Self::Discard => c.discard.into(),
            Self::VolatileCache => c.volatile_cache.into(),
            Self::Knob(id) => match &st.live {
                Some((_, dev)) => dev.device().knobs.get(*id),
                None => c.knobs.get(*id),
            },
            Self::Power => st.live.is_some().into(),
            Self::Index => st.live.as_ref().map_or(u64::MAX, |(i, _)| (*i).into()),
        }
    }

    fn store(&self, st: &mut ItemState, drv: &Driver, v: u64) -> Result {
        // Geometry: only while powered off, and only to a configuration that validates.
        let geometry = |st: &mut ItemState, set: &dyn Fn(&mut DeviceConfig) -> Result| -> Result {
            if st.live.is_some() {
                return Err(EBUSY); // power off first
            }
            let mut cfg = st.cfg.clone();
            set(&mut cfg)?;
            cfg.validate()?;
            st.cfg = cfg;
            Ok(())
        };
        let small = || u32::try_from(v).map_err(|_| EINVAL);
        match self {
            Self::Size => geometry(st, &|c| Ok(c.size_mib = v)),
            Self::BlockSize => geometry(st, &|c| Ok(c.block_size = small()?)),
            Self::SubmitQueues => geometry(st, &|c| Ok(c.submit_queues = small()?)),
            Self::PollQueues => geometry(st, &|c| Ok(c.poll_queues = small()?)),
            Self::HwQueueDepth => geometry(st, &|c| Ok(c.hw_queue_depth = small()?)),
            Self::Discard if v > 1 => Err(EINVAL),
            Self::Discard => geometry(st, &|c| Ok(c.discard = v == 1)),
            Self::VolatileCache if v > 1 => Err(EINVAL),
            Self::VolatileCache => geometry(st, &|c| Ok(c.volatile_cache = v == 1)),
            // One value per knob: the live device's while powered (debugfs writes it too),
            // the stored configuration's while off (power_off keeps the live values).
            Self::Knob(id) => match &st.live {
                Some((_, dev)) => dev.device().knobs.set(*id, v),
                None => st.cfg.knobs.set(*id, v),
            },
            Self::Power => match v {
                1 => st.power_on(drv),
                0 => {
                    st.power_off(drv);
                    Ok(())
                }
                _ => Err(EINVAL),
            },
            Self::Index => Err(EPERM),
        }
    }
}

/// Formats into a configfs page (PAGE_SIZE bytes).
struct Page<'a> {
    buf: &'a mut [u8],
    len: usize,
}

impl Write for Page<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let end = self
            .len
            .checked_add(s.len())
            .filter(|&e| e <= self.buf.len())
            .ok_or(fmt::Error)?;
        self.buf[self.len..end].copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

fn parse_u64(bytes: &[u8]) -> Result<u64> {
    let s = core::str::from_utf8(bytes).map_err(|_| EINVAL)?.trim();
    s.parse::<u64>().map_err(|_| EINVAL)
}

#[no_mangle]
unsafe extern "C" fn rnwblk_cfs_show(
    item: *mut ffi::config_item,
    attr: ffi::rnwblk_cfs_attr,
    page: *mut u8,
) -> isize {
    let Some(attr) = Attr::from_raw(attr) else {
        return EINVAL.to_errno() as isize;
    };
    // SAFETY: configfs passes one of our device items and a PAGE_SIZE buffer of its own.
    let (dev, buf) = unsafe {
        (
            DevItem::from_item(item),
            core::slice::from_raw_parts_mut(page, PAGE_SIZE),
        )
    };
    let value = attr.show(&dev.state.lock());
    let mut out = Page { buf, len: 0 };
    let written = match (&attr, value) {
        (Attr::Index, u64::MAX) => writeln!(out, "none"),
        _ => writeln!(out, "{value}"),
    };
    match written {
        Ok(()) => out.len as isize,
        Err(_) => EINVAL.to_errno() as isize,
    }
}

#[no_mangle]
unsafe extern "C" fn rnwblk_cfs_store(
    item: *mut ffi::config_item,
    attr: ffi::rnwblk_cfs_attr,
    page: *const u8,
    count: usize,
) -> isize {
    let (Some(attr), Some(drv)) = (Attr::from_raw(attr), driver()) else {
        return EINVAL.to_errno() as isize;
    };
    // SAFETY: configfs passes one of our device items and `count` bytes of user input.
    let (dev, input) = unsafe {
        (
            DevItem::from_item(item),
            core::slice::from_raw_parts(page, count),
        )
    };
    let result = parse_u64(input).and_then(|v| attr.store(&mut dev.state.lock(), drv, v));
    match result {
        Ok(()) => count as isize,
        Err(e) => e.to_errno() as isize,
    }
}

#[no_mangle]
unsafe extern "C" fn rnwblk_cfs_make_item(name: *const u8) -> *mut ffi::config_item {
    let Some(drv) = driver() else {
        return ENODEV.to_ptr();
    };
    let store = match Store::new() {
        Ok(s) => s,
        Err(e) => return e.to_ptr(),
    };
    let init = pin_init!(DevItem {
        // Zeroed, not uninit: config_item_init_type_name frees a non-inline old name.
        item: Opaque::new(ffi::config_item::default()),
        state <- new_mutex!(ItemState { cfg: drv.defaults.clone(), store, live: None }, "rnwblk::item"),
    });
    let boxed: Pin<KBox<DevItem>> = match KBox::pin_init(init, GFP_KERNEL) {
        Ok(b) => b,
        Err(e) => return e.to_ptr(),
    };
    // SAFETY: the item is never moved out of its allocation: configfs owns it until
    // `rnwblk_cfs_release_item` turns the pointer back into the box.
    let raw = KBox::into_raw(unsafe { Pin::into_inner_unchecked(boxed) });
    // SAFETY: `raw` is live; `name` is the NUL-terminated directory name (copied).
    unsafe {
        ffi::rnwblk_cfs_item_init((*raw).item.get(), name);
        (*raw).item.get()
    }
}

#[no_mangle]
unsafe extern "C" fn rnwblk_cfs_drop_item(item: *mut ffi::config_item) {
    // SAFETY: one of our device items, still live (configfs drops its reference after).
    let dev = unsafe { DevItem::from_item(item) };
    if let Some(drv) = driver() {
        dev.state.lock().power_off(drv);
    }
}

#[no_mangle]
unsafe extern "C" fn rnwblk_cfs_release_item(item: *mut ffi::config_item) {
    // SAFETY: the last reference to one of our items is gone: free what make_item boxed.
    drop(unsafe { KBox::from_raw(item.cast::<DevItem>()) });
}
