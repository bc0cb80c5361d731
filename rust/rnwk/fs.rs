// SPDX-License-Identifier: GPL-2.0
//! Filesystems: handles on the VFS objects a filesystem's callbacks are given.
//!
//! A handle borrows its object for a lifetime `'a`. When the kernel calls a filesystem's
//! `extern "C"` entry point, the handles are its arguments (each is `#[repr(transparent)]`
//! over the pointer the C prototype declares), and `'a` is a lifetime of that signature:
//! the entry point cannot keep a handle past its return, which is as long as the VFS
//! guarantees the object. Nothing outside the layer can make a handle from a pointer.

pub(crate) mod buffer;
pub(crate) mod dentry;
pub(crate) mod dir_context;
pub(crate) mod evicting_inode;
pub(crate) mod file;
pub(crate) mod file_ops;
pub(crate) mod file_system;
pub(crate) mod fs_context;
pub(crate) mod fs_type;
pub(crate) mod inode;
pub(crate) mod inode_attrs;
pub(crate) mod inode_cache;
pub(crate) mod inode_lock;
pub(crate) mod inode_ops;
pub(crate) mod iov_iter;
pub(crate) mod kiocb;
pub(crate) mod new_inode;
pub(crate) mod new_super_block;
pub(crate) mod owned_inode;
pub(crate) mod setattr;
pub(crate) mod statfs;
pub(crate) mod super_block;
pub(crate) mod symlink;
pub(crate) mod writeback_control;

pub(crate) use buffer::Buffer;
pub(crate) use dentry::{DentryRef, NegativeDentry};
pub(crate) use dir_context::{DirContext, EntryType};
pub(crate) use evicting_inode::EvictingInode;
pub(crate) use file::FileRef;
pub(crate) use file_ops::{FMode, FopFlags};
pub(crate) use file_system::FileSystem;
pub(crate) use fs_context::FsContext;
pub(crate) use fs_type::Registration;
pub(crate) use inode::InodeRef;
pub(crate) use inode_attrs::{InodeAttrs, InodeTime};
pub(crate) use inode_lock::{InodeLockGuard, InvalidateLockGuard, LockMode};
pub(crate) use iov_iter::IovIter;
pub(crate) use kiocb::Kiocb;
pub(crate) use new_inode::{Iget, NewInode};
pub(crate) use new_super_block::NewSuperBlock;
pub(crate) use owned_inode::OwnedInode;
pub(crate) use setattr::{Iattr, MntIdmap};
pub(crate) use statfs::{Statfs, StatfsOut};
pub(crate) use super_block::SuperBlock;
pub(crate) use symlink::{DelayedCall, LinkBody, SymlinkTarget};
pub(crate) use writeback_control::WritebackControl;
