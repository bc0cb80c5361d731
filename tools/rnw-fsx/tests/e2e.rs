// SPDX-License-Identifier: GPL-2.0
//! rnw-fsx end to end on the host: each mode runs a few thousand ops on a file in the
//! temporary directory (RNW_FSX_TEST_DIR, default $TMPDIR or /tmp) and passes; a
//! corruption behind its back makes it fail; a logged run replays; usage errors exit 2.
//! Modes that need O_DIRECT (or io_uring) are skipped, saying so, where the host's
//! filesystem (tmpfs) or kernel refuses them.

use std::{
    ffi::CString,
    fs,
    os::unix::ffi::OsStrExt,
    path::{Path, PathBuf},
    process::{Command, Output},
};

const BIN: &str = env!("CARGO_BIN_EXE_rnw-fsx");

/// A directory of its own per test, removed at the end.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let base = std::env::var_os("RNW_FSX_TEST_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(std::env::temp_dir);
        let dir = base.join(format!("rnw-fsx-e2e-{}-{name}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }
    fn file(&self) -> PathBuf {
        self.0.join("file")
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

fn fsx(args: &[&str], file: &Path) -> Output {
    Command::new(BIN).args(args).arg(file).output().unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Whether the filesystem of `dir` takes O_DIRECT (tmpfs: EINVAL).
fn direct_works(dir: &Path) -> bool {
    let path = CString::new(dir.join("probe").as_os_str().as_bytes()).unwrap();
    // SAFETY: plain syscalls on our own path.
    unsafe {
        let fd = libc::open(
            path.as_ptr(),
            libc::O_CREAT | libc::O_RDWR | libc::O_DIRECT,
            0o600,
        );
        if fd >= 0 {
            libc::close(fd);
            libc::unlink(path.as_ptr());
            return true;
        }
        let errno = *libc::__errno_location();
        libc::unlink(path.as_ptr());
        assert_eq!(
            errno,
            libc::EINVAL,
            "O_DIRECT probe failed other than with EINVAL"
        );
        false
    }
}

/// Whether io_uring can be set up here (kernel.io_uring_disabled, seccomp).
fn uring_works() -> bool {
    io_uring::IoUring::new(2).is_ok()
}

/// Runs MODE for N ops with SEED and requires a pass; or prints why it is skipped.
fn mode_passes(mode: &str, n: &str, seed: &str) {
    let dir = Scratch::new(mode);
    let needs_direct = !matches!(mode, "buffered" | "mmap");
    if needs_direct && !direct_works(&dir.0) {
        eprintln!(
            "SKIP {mode}: O_DIRECT refused (EINVAL) by the filesystem of {}",
            dir.0.display()
        );
        return;
    }
    if matches!(mode, "uring" | "mixed") && !uring_works() {
        eprintln!("SKIP {mode}: io_uring cannot be set up on this host");
        return;
    }
    let out = fsx(
        &[
            "--mode",
            mode,
            "-N",
            n,
            "--seed",
            seed,
            "--check-every",
            "500",
        ],
        &dir.file(),
    );
    let t = text(&out);
    assert_eq!(out.status.code(), Some(0), "{mode} failed:\n{t}");
    assert!(t.contains(&format!("rnw-fsx: passed: {n} ops")), "{t}");
}

#[test]
fn buffered_mode_passes() {
    mode_passes("buffered", "4000", "1");
}

#[test]
fn mmap_mode_passes() {
    mode_passes("mmap", "4000", "2");
}

#[test]
fn nowait_mode_passes() {
    mode_passes("nowait", "4000", "3");
}

#[test]
fn direct_mode_passes() {
    mode_passes("direct", "4000", "4");
}

#[test]
fn aio_mode_passes() {
    mode_passes("aio", "3000", "5");
}

#[test]
fn uring_mode_passes() {
    mode_passes("uring", "3000", "6");
}

#[test]
fn mixed_mode_passes() {
    mode_passes("mixed", "5000", "7");
}

/// tmpfs does not zero the part of the EOF page past EOF when the file grows (fstests'
/// fsx -e fails there too); the filesystems under test here do.
fn is_tmpfs(dir: &Path) -> bool {
    let path = CString::new(dir.as_os_str().as_bytes()).unwrap();
    // SAFETY: a zeroed statfs is a valid out-parameter.
    let mut st: libc::statfs = unsafe { std::mem::zeroed() };
    assert_eq!(unsafe { libc::statfs(path.as_ptr(), &mut st) }, 0);
    st.f_type == libc::TMPFS_MAGIC
}

#[test]
fn buffered_mode_with_eof_pollution_and_check_each_passes() {
    let dir = Scratch::new("pollute");
    if is_tmpfs(&dir.0) {
        eprintln!("SKIP pollute-eof: tmpfs does not zero the EOF page past EOF on extension");
        return;
    }
    let out = fsx(
        &[
            "--mode",
            "buffered",
            "-N",
            "1500",
            "--seed",
            "8",
            "--pollute-eof",
            "-X",
        ],
        &dir.file(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
}

/// The check that must be able to fail: a byte flipped through another fd is found, and
/// named as data the tester never wrote.
#[test]
fn injected_corruption_is_detected() {
    let dir = Scratch::new("inject");
    let out = fsx(
        &[
            "--mode",
            "buffered",
            "-N",
            "2000",
            "--seed",
            "9",
            "--inject-corruption-at-op",
            "700",
        ],
        &dir.file(),
    );
    let t = text(&out);
    assert_eq!(out.status.code(), Some(1), "corruption not detected:\n{t}");
    assert!(t.contains("FAILED at op 700"), "{t}");
    assert!(
        t.contains("MISCOMPARE") || t.contains("SIZE MISMATCH"),
        "{t}"
    );
    assert!(t.contains("op log: "), "{t}");
}

/// A corrupted empty file (the injection writes a byte): the size check fails.
#[test]
fn injected_size_change_is_detected() {
    let dir = Scratch::new("inject-size");
    let out = fsx(
        &[
            "--ops",
            "fsync",
            "-N",
            "10",
            "--seed",
            "1",
            "--inject-corruption-at-op",
            "3",
        ],
        &dir.file(),
    );
    let t = text(&out);
    assert_eq!(out.status.code(), Some(1), "{t}");
    assert!(t.contains("SIZE MISMATCH"), "{t}");
}

/// A run's log replays to the same ops; the replay of a failing run fails the same way.
#[test]
fn a_logged_run_replays() {
    let dir = Scratch::new("replay");
    let log = dir.0.join("ops.log");
    let log_s = log.to_str().unwrap();
    let out = fsx(
        &[
            "--mode", "buffered", "-N", "3000", "--seed", "10", "--log", log_s,
        ],
        &dir.file(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let logged = fs::read_to_string(&log).unwrap();
    assert_eq!(logged.lines().filter(|l| !l.starts_with('#')).count(), 3000);

    let log2 = dir.0.join("replayed.log");
    let out = fsx(
        &["--replay", log_s, "--log", log2.to_str().unwrap()],
        &dir.file(),
    );
    let t = text(&out);
    assert_eq!(out.status.code(), Some(0), "{t}");
    assert!(t.contains("passed: 3000 ops"), "{t}");
    // The same ops, line for line (headers differ).
    let ops = |s: &str| {
        s.lines()
            .filter(|l| !l.starts_with('#'))
            .map(String::from)
            .collect::<Vec<_>>()
    };
    assert_eq!(ops(&logged), ops(&fs::read_to_string(&log2).unwrap()));

    let out = fsx(
        &["--replay", log_s, "--inject-corruption-at-op", "2000"],
        &dir.file(),
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
}

#[test]
fn unsupported_or_broken_usage_exits_2() {
    let dir = Scratch::new("usage");
    for args in [
        &["--mode", "floppy"][..],
        &["--align", "100"],
        &["-N"],
        &["--max-op", "1m"],
    ] {
        let out = fsx(args, &dir.file());
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", text(&out));
    }
    let out = Command::new(BIN).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}
