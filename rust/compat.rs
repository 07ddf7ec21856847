// SPDX-License-Identifier: GPL-2.0

//! What differs between the kernels msocket builds for, in one place.
//!
//! The rest of the crate names the `kernel` crate's items through this
//! module. Kbuild passes `--cfg msocket_linux_6_12` for Linux 6.12 (the LTS
//! series Debian 12 and 13 run), whose `kernel` crate predates the `UserPtr`
//! type, `kernel::transmute` and `authors:` in `module!`: for it, this module
//! provides the same names. For 7.2 and later they are the `kernel` crate's
//! own. The C side has its counterpart in
//! msockfs_compat.h. Documentation/admin-guide/msocket-kernels.rst lists the
//! supported kernels.

pub(crate) use imp::*;

/// `module!` with one author: `author:` on Linux 6.12, `authors: [...]` later.
#[cfg(not(msocket_linux_6_12))]
macro_rules! msocket_module {
    (type: $t:ident, name: $name:tt, author: $author:tt, $($rest:tt)*) => {
        kernel::prelude::module! { type: $t, name: $name, authors: [$author], $($rest)* }
    };
}

/// `module!` with one author: `author:` on Linux 6.12, `authors: [...]` later.
#[cfg(msocket_linux_6_12)]
macro_rules! msocket_module {
    (type: $t:ident, name: $name:tt, author: $author:tt, $($rest:tt)*) => {
        kernel::prelude::module! { type: $t, name: $name, author: $author, $($rest)* }
    };
}

#[cfg(not(msocket_linux_6_12))]
mod imp {
    pub(crate) use kernel::{
        transmute::{AsBytes, FromBytes},
        uaccess::{UserPtr, UserSlice},
    };
}

#[cfg(msocket_linux_6_12)]
mod imp {
    pub(crate) use kernel::types::{AsBytes, FromBytes};

    /// An address in userspace (a plain `usize` in Linux 6.12's `kernel` crate).
    #[derive(Debug, Clone, Copy)]
    pub(crate) struct UserPtr(usize);

    impl UserPtr {
        /// The user pointer at `addr`.
        pub(crate) fn from_addr(addr: usize) -> Self {
            Self(addr)
        }

        /// The address as a pointer, for C functions that take `__user` pointers.
        pub(crate) fn as_const_ptr(self) -> *const core::ffi::c_void {
            self.0 as *const core::ffi::c_void
        }
    }

    /// `kernel::uaccess::UserSlice`, made from a [`UserPtr`].
    pub(crate) struct UserSlice;

    impl UserSlice {
        /// `UserSlice::new()` of `len` bytes at `ptr`.
        pub(crate) fn new(ptr: UserPtr, len: usize) -> kernel::uaccess::UserSlice {
            kernel::uaccess::UserSlice::new(ptr.0, len)
        }
    }
}
