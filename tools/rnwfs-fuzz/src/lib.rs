// SPDX-License-Identifier: GPL-2.0
//! What rnwfs-fuzz's two programs share: the inputs and their file form, the seeded random
//! source, the seed images and structures, and the mutations with the checksums they
//! recompute. `rnwfs-fuzz` (src/main.rs) runs mutated inputs through the format's decoders,
//! the module's load path mirrored on the host, and fsck; `rnwfs-crafted`
//! (src/bin/rnwfs-crafted/) runs mutated images through the real kernel, in the guest.

pub mod input;
pub mod mutate;
pub mod rng;
pub mod seal;
pub mod seeds;
