// SPDX-License-Identifier: GPL-2.0
//! The rnw release both modules report (debugfs `version`, load messages).

pub(crate) const RNW_VERSION: &str = "0.1.0";
