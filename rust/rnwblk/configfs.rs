// SPDX-License-Identifier: GPL-2.0
//! Runtime devices: `mkdir /sys/kernel/config/rnwblk/NAME` makes a powered-off device
//! item; its attributes configure it; `power` 1 creates the disk, 0 deletes it (draining
//! I/O in flight; with a volatile cache, cutting the power first: writes not flushed are
//! lost); `rmdir` powers off and frees it. Geometry (size, blocksize, queues, discard,
//! volatile_cache) can change only while powered off; knobs change at any time and act on
//! the live device too. `rnwk::configfs` does the configfs side; this is what the
//! attributes mean.

#![deny(unsafe_code)]

use crate::{
    config::DeviceConfig,
    driver::Driver,
    knobs::KnobId,
    live_device::LiveDevice,
    rnwk::{
        block::ram_store::Store,
        configfs::{self, Attribute, Page},
    },
};
use kernel::{
    c_str, new_mutex,
    prelude::*,
    str::CStr,
    sync::{Arc, Mutex},
};

/// `/sys/kernel/config/rnwblk/`, registered; unregistered on drop.
pub(crate) type Registration = configfs::Subsystem<Devices>;

/// Registers `/sys/kernel/config/rnwblk/`. Last in the module's init (see
/// [`configfs::Subsystem::register`]).
pub(crate) fn register(driver: &Arc<Driver>) -> Result<Registration> {
    configfs::Subsystem::register(
        c_str!("rnwblk"),
        driver.module,
        Devices {
            driver: driver.clone(),
        },
    )
}

/// The subsystem's directory: `mkdir` makes a device item, `rmdir` powers it off.
pub(crate) struct Devices {
    driver: Arc<Driver>,
}

impl configfs::Group for Devices {
    type Item = DevItem;

    fn make_item(&self, _name: &CStr) -> Result<impl PinInit<DevItem, Error>> {
        let state = ItemState {
            cfg: self.driver.defaults.clone(),
            store: Store::new()?,
            live: None,
        };
        Ok(try_pin_init!(DevItem {
            driver: self.driver.clone(),
            state <- new_mutex!(state, "rnwblk::item"),
        }))
    }

    fn drop_item(&self, item: &DevItem) {
        item.state.lock().power_off(&item.driver);
    }
}

/// A device item.
#[pin_data]
pub(crate) struct DevItem {
    driver: Arc<Driver>,
    #[pin]
    state: Mutex<ItemState>,
}

impl configfs::Item for DevItem {
    type Attr = Attr;

    const ATTRIBUTES: &'static [Attribute<Attr>] = &[
        Attribute::read_write(c_str!("size"), Attr::Size),
        Attribute::read_write(c_str!("blocksize"), Attr::BlockSize),
        Attribute::read_write(c_str!("submit_queues"), Attr::SubmitQueues),
        Attribute::read_write(c_str!("poll_queues"), Attr::PollQueues),
        Attribute::read_write(c_str!("hw_queue_depth"), Attr::HwQueueDepth),
        Attribute::read_write(c_str!("discard"), Attr::Discard),
        Attribute::read_write(c_str!("volatile_cache"), Attr::VolatileCache),
        Attribute::read_write(c_str!("irqmode"), Attr::Knob(KnobId::IrqMode)),
        Attribute::read_write(
            c_str!("completion_nsec"),
            Attr::Knob(KnobId::CompletionNsec),
        ),
        Attribute::read_write(c_str!("max_inflight"), Attr::Knob(KnobId::MaxInflight)),
        Attribute::read_write(c_str!("fail_every"), Attr::Knob(KnobId::FailEvery)),
        Attribute::read_write(c_str!("again_every"), Attr::Knob(KnobId::AgainEvery)),
        Attribute::read_write(c_str!("congested"), Attr::Knob(KnobId::Congested)),
        Attribute::read_write(c_str!("nowait_alloc"), Attr::Knob(KnobId::NowaitAlloc)),
        Attribute::read_write(c_str!("power"), Attr::Power),
        Attribute::read_only(c_str!("index"), Attr::Index),
    ];

    fn show(&self, attr: Attr, page: &mut Page<'_>) -> Result {
        let value = attr.show(&self.state.lock());
        match (attr, value) {
            (Attr::Index, u64::MAX) => writeln!(page, "none"),
            _ => writeln!(page, "{value}"),
        }
    }

    fn store(&self, attr: Attr, input: &[u8]) -> Result {
        let value = parse_u64(input)?;
        attr.store(&mut self.state.lock(), &self.driver, value)
    }
}

struct ItemState {
    cfg: DeviceConfig,
    /// The data, kept across power cycles (like null_blk's memory-backed devices).
    store: Arc<Store>,
    live: Option<(u32, LiveDevice)>,
}

impl ItemState {
    /// Geometry: only while powered off (EBUSY: power off first), and only to a
    /// configuration that validates; nothing changes on an error.
    fn set_geometry(&mut self, set: impl FnOnce(&mut DeviceConfig) -> Result) -> Result {
        if self.live.is_some() {
            return Err(EBUSY);
        }
        let mut cfg = self.cfg.clone();
        set(&mut cfg)?;
        cfg.validate()?;
        self.cfg = cfg;
        Ok(())
    }

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

/// What an attribute is.
#[derive(Clone, Copy)]
pub(crate) enum Attr {
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
        let small = || u32::try_from(v).map_err(|_| EINVAL);
        match self {
            Self::Size => st.set_geometry(|c| {
                c.size_mib = v;
                Ok(())
            }),
            Self::BlockSize => st.set_geometry(|c| {
                c.block_size = small()?;
                Ok(())
            }),
            Self::SubmitQueues => st.set_geometry(|c| {
                c.submit_queues = small()?;
                Ok(())
            }),
            Self::PollQueues => st.set_geometry(|c| {
                c.poll_queues = small()?;
                Ok(())
            }),
            Self::HwQueueDepth => st.set_geometry(|c| {
                c.hw_queue_depth = small()?;
                Ok(())
            }),
            Self::Discard if v > 1 => Err(EINVAL),
            Self::Discard => st.set_geometry(|c| {
                c.discard = v == 1;
                Ok(())
            }),
            Self::VolatileCache if v > 1 => Err(EINVAL),
            Self::VolatileCache => st.set_geometry(|c| {
                c.volatile_cache = v == 1;
                Ok(())
            }),
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
            // Read-only: configfs refuses to open it for writing.
            Self::Index => Err(EPERM),
        }
    }
}

fn parse_u64(bytes: &[u8]) -> Result<u64> {
    let s = core::str::from_utf8(bytes).map_err(|_| EINVAL)?.trim();
    s.parse::<u64>().map_err(|_| EINVAL)
}
