// SPDX-License-Identifier: GPL-2.0
//! What the file must hold: its bytes, whose length is its size. Every operation is
//! applied here with the semantics the kernel promises; reads are checked against it.

/// The expected file. Ranges are in bytes; callers keep them within the tester's limits
/// (`Model` itself grows to whatever it is told).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Model {
    data: Vec<u8>,
}

fn to_usize(v: u64) -> usize {
    // Offsets are bounded by opts::MAX_FILE_SIZE (1 GiB) when ops are made or parsed.
    usize::try_from(v).unwrap_or(usize::MAX)
}

impl Model {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn size(&self) -> u64 {
        self.data.len() as u64
    }

    pub fn bytes(&self) -> &[u8] {
        &self.data
    }

    /// What a read of `len` bytes at `off` returns: short at EOF, empty past it.
    pub fn read(&self, off: u64, len: u64) -> &[u8] {
        let start = to_usize(off).min(self.data.len());
        let end = to_usize(off.saturating_add(len)).min(self.data.len());
        &self.data[start..end]
    }

    /// Grows the file to `size` with zeros (no-op if it is larger already).
    fn extend_to(&mut self, size: u64) {
        if size > self.size() {
            self.data.resize(to_usize(size), 0);
        }
    }

    /// A write: an extending one leaves zeros between the old EOF and `off`.
    pub fn write(&mut self, off: u64, buf: &[u8]) {
        let end = off + buf.len() as u64;
        self.extend_to(end);
        self.data[to_usize(off)..to_usize(end)].copy_from_slice(buf);
    }

    /// ftruncate: down drops the tail, up exposes zeros.
    pub fn truncate(&mut self, size: u64) {
        self.data.resize(to_usize(size), 0);
    }

    /// Zeros [off, off+len) as far as it lies inside the file; then, unless `keep_size`,
    /// the file grows to off+len (the grown part is zeros too).
    fn zero(&mut self, off: u64, len: u64, keep_size: bool) {
        let end = off.saturating_add(len);
        if !keep_size {
            self.extend_to(end);
        }
        let size = self.size();
        if off < size {
            self.data[to_usize(off)..to_usize(end.min(size))].fill(0);
        }
    }

    /// fallocate without PUNCH/ZERO: allocation changes no byte; without KEEP_SIZE it may
    /// extend the file (with zeros).
    pub fn allocate(&mut self, off: u64, len: u64, keep_size: bool) {
        if !keep_size {
            self.extend_to(off.saturating_add(len));
        }
    }

    /// FALLOC_FL_PUNCH_HOLE (always with KEEP_SIZE).
    pub fn punch(&mut self, off: u64, len: u64) {
        self.zero(off, len, true);
    }

    /// FALLOC_FL_ZERO_RANGE, with or without KEEP_SIZE.
    pub fn zero_range(&mut self, off: u64, len: u64, keep_size: bool) {
        self.zero(off, len, keep_size);
    }

    /// How many bytes copy_file_range copies from `src`: up to the source's EOF.
    pub fn copy_len(&self, src: u64, len: u64) -> u64 {
        self.size().saturating_sub(src).min(len)
    }

    /// copy_file_range within the file (ranges do not overlap; the kernel refuses that):
    /// copies what lies before EOF from `src` to `dst`, extending the file like a write.
    pub fn copy(&mut self, src: u64, dst: u64, len: u64) {
        let n = self.copy_len(src, len);
        let chunk = self.read(src, n).to_vec();
        if !chunk.is_empty() {
            self.write(dst, &chunk);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model_of(bytes: &[u8]) -> Model {
        let mut m = Model::new();
        m.write(0, bytes);
        m
    }

    #[test]
    fn reads_are_short_at_eof_and_empty_past_it() {
        let m = model_of(b"abcdef");
        assert_eq!(m.read(2, 3), b"cde");
        assert_eq!(m.read(4, 10), b"ef");
        assert_eq!(m.read(6, 1), b"");
        assert_eq!(m.read(100, 1), b"");
        assert_eq!(m.read(u64::MAX, 1), b"");
    }

    #[test]
    fn an_extending_write_zero_fills_the_gap() {
        let mut m = model_of(b"ab");
        m.write(5, b"xy");
        assert_eq!(m.bytes(), b"ab\0\0\0xy");
        m.write(1, b"Q");
        assert_eq!(m.bytes(), b"aQ\0\0\0xy");
    }

    #[test]
    fn truncate_down_then_up_exposes_zeros() {
        let mut m = model_of(b"abcdef");
        m.truncate(2);
        assert_eq!(m.size(), 2);
        m.truncate(5);
        assert_eq!(m.bytes(), b"ab\0\0\0");
    }

    #[test]
    fn punch_zeros_inside_eof_and_never_changes_size() {
        let mut m = model_of(b"abcdef");
        m.punch(1, 2);
        assert_eq!(m.bytes(), b"a\0\0def");
        m.punch(4, 100);
        assert_eq!(m.bytes(), b"a\0\0d\0\0");
        m.punch(50, 10);
        assert_eq!(m.size(), 6);
    }

    #[test]
    fn keep_size_never_changes_size() {
        let mut m = model_of(b"abcdef");
        m.allocate(4, 100, true);
        assert_eq!(m.bytes(), b"abcdef");
        m.zero_range(3, 100, true);
        assert_eq!(m.bytes(), b"abc\0\0\0");
        m.allocate(100, 10, true);
        assert_eq!(m.size(), 6);
    }

    #[test]
    fn allocate_and_zero_range_extend_without_keep_size() {
        let mut m = model_of(b"abcdef");
        m.allocate(2, 2, false);
        assert_eq!(m.bytes(), b"abcdef");
        m.allocate(8, 2, false);
        assert_eq!(m.bytes(), b"abcdef\0\0\0\0");
        let mut z = model_of(b"abcdef");
        z.zero_range(4, 4, false);
        assert_eq!(z.bytes(), b"abcd\0\0\0\0");
    }

    #[test]
    fn copy_copies_from_the_model_and_may_extend() {
        let mut m = model_of(b"abcdef");
        m.copy(0, 3, 3);
        assert_eq!(m.bytes(), b"abcabc");
        m.copy(1, 8, 2);
        assert_eq!(m.bytes(), b"abcabc\0\0bc");
        // Copying past the source's EOF copies only what is there.
        let mut s = model_of(b"abcd");
        assert_eq!(s.copy_len(2, 10), 2);
        s.copy(2, 10, 10);
        assert_eq!(s.bytes(), b"abcd\0\0\0\0\0\0cd");
        assert_eq!(s.copy_len(20, 10), 0);
    }
}
