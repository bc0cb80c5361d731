// SPDX-License-Identifier: GPL-2.0
//! Runtime-changeable behaviour of a device: completion latency, the in-flight budget,
//! congestion, fault injection. Set at creation, changed through debugfs at any time.

#![deny(unsafe_code)]

use core::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering::Relaxed};
use kernel::prelude::*;

/// How a request's completion is delivered (null_blk's `irqmode`).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum IrqMode {
    /// Ended in the submitting context.
    Inline,
    /// Through blk-mq's completion softirq.
    Softirq,
    /// From an hrtimer `completion_nsec` after submission: requests really are in flight.
    Timer,
}

impl IrqMode {
    pub(crate) fn from_u32(v: u32) -> Option<Self> {
        match v {
            0 => Some(Self::Inline),
            1 => Some(Self::Softirq),
            2 => Some(Self::Timer),
            _ => None,
        }
    }

    pub(crate) fn as_u32(self) -> u32 {
        match self {
            Self::Inline => 0,
            Self::Softirq => 1,
            Self::Timer => 2,
        }
    }
}

/// The longest `completion_nsec`: 1 s.
pub(crate) const MAX_COMPLETION_NSEC: u64 = 1_000_000_000;

/// Initial knob values (module parameters or configfs).
#[derive(Clone, Copy)]
pub(crate) struct KnobValues {
    pub(crate) irqmode: IrqMode,
    pub(crate) completion_nsec: u64,
    pub(crate) max_inflight: u32,
    pub(crate) fail_every: u32,
    pub(crate) again_every: u32,
    pub(crate) congested: bool,
    pub(crate) nowait_alloc: bool,
}

/// Knob identities: the debugfs file names, in this order.
#[derive(Clone, Copy)]
pub(crate) enum KnobId {
    IrqMode,
    CompletionNsec,
    MaxInflight,
    FailEvery,
    AgainEvery,
    Congested,
    NowaitAlloc,
}

impl KnobId {
    pub(crate) const ALL: [KnobId; 7] = [
        Self::IrqMode,
        Self::CompletionNsec,
        Self::MaxInflight,
        Self::FailEvery,
        Self::AgainEvery,
        Self::Congested,
        Self::NowaitAlloc,
    ];

    /// The debugfs file name, NUL-terminated.
    pub(crate) fn file_name(self) -> &'static kernel::str::CStr {
        use kernel::c_str;
        match self {
            Self::IrqMode => c_str!("irqmode"),
            Self::CompletionNsec => c_str!("completion_nsec"),
            Self::MaxInflight => c_str!("max_inflight"),
            Self::FailEvery => c_str!("fail_every"),
            Self::AgainEvery => c_str!("again_every"),
            Self::Congested => c_str!("congested"),
            Self::NowaitAlloc => c_str!("nowait_alloc"),
        }
    }

    /// EINVAL if `v` is out of the knob's range.
    pub(crate) fn check(self, v: u64) -> Result {
        if v > self.max() {
            return Err(EINVAL);
        }
        Ok(())
    }

    /// The largest value the knob takes.
    fn max(self) -> u64 {
        match self {
            Self::IrqMode => 2,
            Self::CompletionNsec => MAX_COMPLETION_NSEC,
            Self::MaxInflight | Self::FailEvery | Self::AgainEvery => u32::MAX.into(),
            Self::Congested | Self::NowaitAlloc => 1,
        }
    }
}

impl KnobValues {
    pub(crate) fn get(&self, id: KnobId) -> u64 {
        match id {
            KnobId::IrqMode => self.irqmode.as_u32().into(),
            KnobId::CompletionNsec => self.completion_nsec,
            KnobId::MaxInflight => self.max_inflight.into(),
            KnobId::FailEvery => self.fail_every.into(),
            KnobId::AgainEvery => self.again_every.into(),
            KnobId::Congested => self.congested.into(),
            KnobId::NowaitAlloc => self.nowait_alloc.into(),
        }
    }

    /// Takes every value of a live device's knobs (its settings become the stored ones).
    pub(crate) fn keep_live(&mut self, live: &Knobs) {
        for id in KnobId::ALL {
            // A live knob only ever holds a value that passed the same check.
            if self.set(id, live.get(id)).is_err() {
                pr_warn!(
                    "knob {:?}: live value {} out of range, not kept\n",
                    id.file_name(),
                    live.get(id)
                );
            }
        }
    }

    /// Sets a value; EINVAL (nothing changed) if out of range.
    pub(crate) fn set(&mut self, id: KnobId, v: u64) -> Result {
        id.check(v)?;
        match id {
            KnobId::IrqMode => self.irqmode = IrqMode::from_u32(v as u32).ok_or(EINVAL)?,
            KnobId::CompletionNsec => self.completion_nsec = v,
            KnobId::MaxInflight => self.max_inflight = v as u32,
            KnobId::FailEvery => self.fail_every = v as u32,
            KnobId::AgainEvery => self.again_every = v as u32,
            KnobId::Congested => self.congested = v != 0,
            KnobId::NowaitAlloc => self.nowait_alloc = v != 0,
        }
        Ok(())
    }

    pub(crate) fn validate(&self) -> Result {
        if self.completion_nsec > KnobId::CompletionNsec.max() {
            pr_err!(
                "completion_nsec={}: must be at most 1000000000 (1 s)\n",
                self.completion_nsec
            );
            return Err(EINVAL);
        }
        Ok(())
    }
}

/// The live knobs; readers on the I/O path take relaxed snapshots.
pub(crate) struct Knobs {
    irqmode: AtomicU32,
    completion_nsec: AtomicU64,
    max_inflight: AtomicU32,
    fail_every: AtomicU32,
    again_every: AtomicU32,
    congested: AtomicBool,
    nowait_alloc: AtomicBool,
}

impl Knobs {
    pub(crate) fn new(v: &KnobValues) -> Self {
        Self {
            irqmode: AtomicU32::new(v.irqmode.as_u32()),
            completion_nsec: AtomicU64::new(v.completion_nsec),
            max_inflight: AtomicU32::new(v.max_inflight),
            fail_every: AtomicU32::new(v.fail_every),
            again_every: AtomicU32::new(v.again_every),
            congested: AtomicBool::new(v.congested),
            nowait_alloc: AtomicBool::new(v.nowait_alloc),
        }
    }

    pub(crate) fn irqmode(&self) -> IrqMode {
        // Only valid values are stored (`set` checks the range).
        IrqMode::from_u32(self.irqmode.load(Relaxed)).unwrap_or(IrqMode::Softirq)
    }
    pub(crate) fn completion_nsec(&self) -> u64 {
        self.completion_nsec.load(Relaxed)
    }
    pub(crate) fn max_inflight(&self) -> u32 {
        self.max_inflight.load(Relaxed)
    }
    pub(crate) fn fail_every(&self) -> u32 {
        self.fail_every.load(Relaxed)
    }
    pub(crate) fn again_every(&self) -> u32 {
        self.again_every.load(Relaxed)
    }
    pub(crate) fn congested(&self) -> bool {
        self.congested.load(Relaxed)
    }
    pub(crate) fn nowait_alloc(&self) -> bool {
        self.nowait_alloc.load(Relaxed)
    }

    pub(crate) fn get(&self, id: KnobId) -> u64 {
        match id {
            KnobId::IrqMode => self.irqmode.load(Relaxed).into(),
            KnobId::CompletionNsec => self.completion_nsec(),
            KnobId::MaxInflight => self.max_inflight().into(),
            KnobId::FailEvery => self.fail_every().into(),
            KnobId::AgainEvery => self.again_every().into(),
            KnobId::Congested => self.congested().into(),
            KnobId::NowaitAlloc => self.nowait_alloc().into(),
        }
    }

    /// Sets a knob; EINVAL (nothing changed) if the value is out of its range.
    pub(crate) fn set(&self, id: KnobId, v: u64) -> Result {
        id.check(v)?;
        match id {
            KnobId::IrqMode => self.irqmode.store(v as u32, Relaxed),
            KnobId::CompletionNsec => self.completion_nsec.store(v, Relaxed),
            KnobId::MaxInflight => self.max_inflight.store(v as u32, Relaxed),
            KnobId::FailEvery => self.fail_every.store(v as u32, Relaxed),
            KnobId::AgainEvery => self.again_every.store(v as u32, Relaxed),
            KnobId::Congested => self.congested.store(v != 0, Relaxed),
            KnobId::NowaitAlloc => self.nowait_alloc.store(v != 0, Relaxed),
        }
        Ok(())
    }
}
