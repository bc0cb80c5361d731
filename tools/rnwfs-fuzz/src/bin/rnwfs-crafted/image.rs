// SPDX-License-Identifier: GPL-2.0
//! Image i of a campaign: which seed image it starts from, whether it is mounted
//! writethrough, and its mutations, all drawn from a random source seeded by (seed, i)
//! alone: any image is made again from its seed and index, without the ones before it.
//! One image in three has only rnwfs_fuzz::mutate's blind ones (any metadata field of the
//! superblock, inodes, extents and chain pointers, directory entries, the bitmap, set to
//! boundary values, mostly sealed with recomputed checksums); the others one to three
//! aimed ones (aim.rs: plausible values in the fields the walk relies on), sometimes with
//! a blind one.

use crate::aim;
use rnwfs_fuzz::{
    input::{Input, Kind},
    mutate::{self, Context},
    rng::Rng,
};

/// A seed image and where its structures are.
pub struct Seed {
    pub name: &'static str,
    pub image: Vec<u8>,
    ctx: Context,
    targets: aim::Targets,
}

impl Seed {
    pub fn new(name: &'static str, image: Vec<u8>) -> Self {
        let ctx = Context::of_image(&image);
        let targets = aim::Targets::of_image(&image);
        Self {
            name,
            image,
            ctx,
            targets,
        }
    }
}

pub struct Image {
    pub seed: &'static str,
    pub writethrough: bool,
    pub data: Vec<u8>,
}

/// The random source of image `index` of campaign `seed` (SplitMix64's finaliser of the
/// pair: neighbouring indices get unrelated streams).
fn rng(seed: u64, index: u64) -> Rng {
    let mut z = seed ^ index.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    Rng::new(z ^ (z >> 31))
}

/// Image `index` of campaign `seed`: three in four from the first seed (made by the
/// kernel), the rest from the others; one in four mounted writethrough.
pub fn make(seeds: &[Seed], seed: u64, index: u64) -> Option<Image> {
    make_in(seeds, seed, index, Vec::new())
}

/// [`make`] into `buf`, an earlier image's memory: a fresh 4 MiB allocation costs a page
/// fault per page, which under TCG is a good part of a trial.
pub fn make_in(seeds: &[Seed], seed: u64, index: u64, mut buf: Vec<u8>) -> Option<Image> {
    let mut rng = rng(seed, index);
    let which = if seeds.len() > 1 && rng.one_in(4) {
        1 + rng.index(seeds.len() - 1)
    } else {
        0
    };
    let writethrough = rng.one_in(4);
    let s = seeds.get(which)?;
    buf.clear();
    buf.extend_from_slice(&s.image);
    let mut input = Input {
        kind: Kind::Image,
        param: 0,
        data: buf,
    };
    // A mutation may land on an unused block or write a field's own value: an image
    // identical to its seed would be a wasted mount, so mutate again.
    for _ in 0..16 {
        if s.targets.is_empty() || rng.one_in(3) {
            mutate::mutate(&mut input, &s.ctx, &mut rng);
        } else {
            for _ in 0..1 + rng.below(3) {
                aim::mutate(&mut input.data, &s.targets, &mut rng);
            }
            if rng.one_in(4) {
                mutate::mutate(&mut input, &s.ctx, &mut rng);
            }
        }
        if input.data != s.image {
            break;
        }
    }
    Some(Image {
        seed: s.name,
        writethrough,
        data: input.data,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seeds() -> Vec<Seed> {
        let populated = rnwfs_fuzz::seeds::populated_image().unwrap().image;
        vec![
            Seed::new("a", populated.clone()),
            Seed::new("b", rnwfs_fuzz::seeds::fresh_image().unwrap()),
        ]
    }

    #[test]
    fn an_image_depends_on_its_seed_and_index_only() {
        let s = seeds();
        let again = |i| make(&s, 7, i).unwrap().data;
        let first: Vec<Vec<u8>> = (0..20).map(again).collect();
        assert_eq!(again(13), first[13]);
        assert_ne!(make(&s, 8, 13).unwrap().data, first[13]);
        assert_eq!(
            make_in(&s, 7, 13, first[2].clone()).unwrap().data,
            first[13],
            "a reused buffer changes nothing"
        );
        assert!(
            first.iter().all(|d| *d != s[0].image && *d != s[1].image),
            "an image is its seed"
        );
    }

    #[test]
    fn the_mix_of_seeds_and_mount_options() {
        let s = seeds();
        let images: Vec<Image> = (0..1000).map(|i| make(&s, 1, i).unwrap()).collect();
        let from_b = images.iter().filter(|i| i.seed == "b").count();
        let wt = images.iter().filter(|i| i.writethrough).count();
        assert!(
            (180..320).contains(&from_b),
            "{from_b} of 1000 from the second seed"
        );
        assert!((180..320).contains(&wt), "{wt} of 1000 writethrough");
    }
}
