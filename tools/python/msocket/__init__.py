# SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
"""msocket: sockets in Linux network stacks named in the file system.

A stack is a network namespace mounted as msockfs
(``mount -t msockfs netns=vpn /dev/net/vpn``). This package creates ordinary
:class:`socket.socket` objects in such a stack, by its path, an open stack
directory (:class:`Stack`) or a stack handle (:class:`Handle`), with the
caller's credentials and without privileges::

    import msocket

    lan = msocket.Stack("/dev/net/lan")
    vpn = msocket.Handle("/dev/net/vpn")
    a = lan.create_connection(("10.0.0.1", 80))     # the same address,
    b = vpn.create_connection(("10.0.0.1", 80))     # two networks
    s = msocket.msocket("/dev/net/lan", socket.AF_INET6, socket.SOCK_DGRAM)

``msocket(path, domain, type, protocol)`` has the View-OS semantics of
libmsocket's msocket(3): no path selects the default stack, ``SOCK_DEFAULT``
sets it (in the environment, so children inherit it).

Everything is plain Python over the kernel interface (``fcntl.ioctl``,
``struct``; ``ctypes`` only to pass a path's address and to call statfs).
Errors are :class:`OSError` with the kernel's ``errno``
(:class:`FileNotFoundError`, :class:`PermissionError`, ...), and
:class:`NotAStackError` (``ENOTSUP``) for a path that is not a stack.
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import os
import socket
import sys
import threading
from typing import Any, Literal, NamedTuple, Optional, Tuple, TypeVar, Union, overload

from . import _uapi
from ._uapi import MSOCKET_DEVICE, MSOCKFS_MAGIC, SOCK_DEFAULT

__all__ = [
    "Handle",
    "MSOCKET_DEFAULT_STACK",
    "MSOCKET_DEVICE",
    "MSOCKFS_MAGIC",
    "NotAStackError",
    "SOCK_DEFAULT",
    "SocketSource",
    "Stack",
    "StackInfo",
    "default_stack",
    "is_stack",
    "msocket",
    "msocketat",
    "netns_cookie",
]

__version__ = "0.1.0"

#: Where a stack mounted is the default for a process that set none.
MSOCKET_DEFAULT_STACK = "/dev/net/default"

StrPath = Union[str, bytes, "os.PathLike[str]", "os.PathLike[bytes]"]

_AT_FDCWD = -100
# (the class bodies below define a method named socket)
_AF_INET = socket.AF_INET
_DEFAULT_TIMEOUT: Any = socket._GLOBAL_DEFAULT_TIMEOUT  # type: ignore[attr-defined]
_Socket = socket.socket
_ENV_ALL = "MSOCKET_STACK"
_ENV_FAMILY = "MSOCKET_STACK_"
_MAX_FAMILY = 64
_TYPE_FLAGS = getattr(socket, "SOCK_NONBLOCK", 0o4000) | getattr(socket, "SOCK_CLOEXEC", 0o2000000)


class NotAStackError(OSError):
    """The path exists but is not the root of a stack (``errno`` ENOTSUP)."""

    def __init__(self, path: Optional[StrPath] = None) -> None:
        super().__init__(errno.ENOTSUP, "Not an msocket stack (no msockfs mount root)", path)


class StackInfo(NamedTuple):
    """The identity of a stack (``MSOCK_IOC_STACK_INFO``)."""

    #: Inode number of the network namespace, as in ``net:[INODE]``.
    netns_ino: int
    #: Network namespace cookie, as ``SO_NETNS_COOKIE`` reports it for the
    #: stack's sockets (see :func:`netns_cookie`).
    netns_cookie: int
    #: Owner of the stack root, in the caller's user namespace.
    uid: int
    #: Group of the stack root.
    gid: int
    #: Permission bits of the stack root.
    mode: int


def _oserror(e: OSError, path: Optional[StrPath], lookup: bool = True) -> OSError:
    """The same error with the path named (and, from a path lookup, ENOTSUP
    as NotAStackError)."""
    if path is None:
        return e
    if lookup and e.errno == errno.ENOTSUP:
        return NotAStackError(path)
    return OSError(e.errno, os.strerror(e.errno) if e.errno else str(e), path)


def _fsencode(path: StrPath) -> bytes:
    b = os.fsencode(path)
    if b"\0" in b:
        raise ValueError("embedded null byte in path")
    return b


_libc: Optional[ctypes.CDLL] = None


def _fs_type(target: Union[bytes, int], path: Optional[StrPath]) -> int:
    """statfs(2)/fstatfs(2) f_type (which Python's os module does not give)."""
    global _libc
    if _libc is None:
        _libc = ctypes.CDLL(None, use_errno=True)
    # struct statfs is 120 bytes on 64-bit Linux; f_type comes first, a long
    # (__fsword_t), except on s390x where it is an unsigned int.
    buf = ctypes.create_string_buffer(256)
    if isinstance(target, int):
        r = _libc.fstatfs(ctypes.c_int(target), buf)
    else:
        r = _libc.statfs(ctypes.c_char_p(target), buf)
    if r != 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err), path)
    kind = ctypes.c_uint if os.uname().machine == "s390x" else ctypes.c_ulong
    return int(kind.from_buffer(buf).value) & 0xFFFFFFFF


def is_stack(path: StrPath) -> bool:
    """Whether ``path`` is the root of a stack (its file system is msockfs).

    Raises :class:`FileNotFoundError` if it does not exist, as View-OS does.
    """
    return _fs_type(_fsencode(path), path) == MSOCKFS_MAGIC


def _open_stack(path: StrPath, dir_fd: Optional[int], follow_symlinks: bool) -> int:
    """open(2) of a stack root, or OSError (NotAStackError if not a stack)."""
    flags = os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC
    if not follow_symlinks:
        flags |= os.O_NOFOLLOW
    try:
        fd = os.open(path, flags, dir_fd=dir_fd)
    except NotADirectoryError:
        raise NotAStackError(path) from None
    except OSError as e:
        if e.errno == errno.ELOOP and not follow_symlinks:
            raise NotAStackError(path) from None
        raise
    try:
        kind = _fs_type(fd, path)
    except BaseException:
        os.close(fd)
        raise
    if kind != MSOCKFS_MAGIC:
        os.close(fd)
        raise NotAStackError(path)
    return fd


_device_lock = threading.Lock()
_device_fd: Optional[int] = None


def _device() -> Optional[int]:
    """/dev/msocket, opened once per process; None if it cannot be opened."""
    global _device_fd
    if _device_fd is None:
        with _device_lock:
            if _device_fd is None:
                try:
                    _device_fd = os.open(MSOCKET_DEVICE, os.O_RDONLY | os.O_CLOEXEC)
                except OSError:
                    return None
    return _device_fd


def _ioctl_fd(fd: int, request: int, arg: Union[int, bytearray] = 0) -> int:
    """An ioctl that returns a new fd (or raises OSError)."""
    if isinstance(arg, bytearray):
        return int(fcntl.ioctl(fd, request, arg, True))
    return int(fcntl.ioctl(fd, request, arg))


def _as_fd(fd: Union[int, "SocketSource", Any]) -> int:
    return fd if isinstance(fd, int) else fd.fileno()


def _wrap(fd: int, family: int, type: int, proto: int) -> socket.socket:
    """A socket.socket for a new socket fd, in the mode ``type`` asked for."""
    try:
        sock = socket.socket(family, type & ~_TYPE_FLAGS, proto, fileno=fd)
    except BaseException:
        os.close(fd)
        raise
    if type & getattr(socket, "SOCK_NONBLOCK", 0):
        sock.setblocking(False)
    return sock


def msocketat(stack: Union[int, "SocketSource", Any], family: int, type: int,
              proto: int = 0) -> socket.socket:
    """A socket in the stack of an open stack directory or a stack handle
    (an fd, or anything with ``fileno()``), as ``socket.socket(family, type,
    proto)`` would create it there (``MSOCK_IOC_SOCKET``).

    The socket is non-inheritable, as Python's sockets are; ``type`` may carry
    ``SOCK_NONBLOCK``.
    """
    args = bytearray(_uapi.SOCKET_ARGS.pack(family, type | socket.SOCK_CLOEXEC, proto, 0))
    fd = _ioctl_fd(_as_fd(stack), _uapi.MSOCK_IOC_SOCKET, args)
    return _wrap(fd, family, type, proto)


_S = TypeVar("_S", bound="SocketSource")


class SocketSource:
    """What sockets are created from: a :class:`Stack` or a :class:`Handle`.

    Owns one file descriptor (close it with :meth:`close` or a ``with``
    block). Code that should work with either takes a ``SocketSource``.
    """

    _fd: int = -1

    def __init__(self, fd: int) -> None:
        self._fd = fd

    def fileno(self) -> int:
        """The file descriptor (still owned by this object)."""
        if self._fd < 0:
            raise ValueError("I/O operation on closed stack")
        return self._fd

    def detach(self) -> int:
        """Give up the file descriptor and return it (it is not closed)."""
        fd, self._fd = self.fileno(), -1
        return fd

    @property
    def closed(self) -> bool:
        return self._fd < 0

    def close(self) -> None:
        if self._fd >= 0:
            fd, self._fd = self._fd, -1
            os.close(fd)

    def __enter__(self: _S) -> _S:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except (OSError, AttributeError):
            pass

    def socket(self, family: int = socket.AF_INET, type: int = socket.SOCK_STREAM,
               proto: int = 0) -> _Socket:
        """A :class:`socket.socket` in this stack, as ``socket.socket(family,
        type, proto)`` would create it there."""
        try:
            return msocketat(self.fileno(), family, type, proto)
        except OSError as e:
            raise _oserror(e, getattr(self, "path", None), lookup=False) from None

    def create_connection(self, address: Tuple[str, int],
                          timeout: Optional[float] = _DEFAULT_TIMEOUT,
                          source_address: Optional[Tuple[str, int]] = None) -> _Socket:
        """Connect to ``address`` (host, port) from this stack, as
        :func:`socket.create_connection` does from the process' own stack.

        Host names are resolved by the process' own resolver, in its own
        stack: give addresses when the stacks' name services differ.
        """
        host, port = address[0], address[1]
        error: Optional[OSError] = None
        for family, type, proto, _, sockaddr in socket.getaddrinfo(
                host, port, 0, socket.SOCK_STREAM):
            sock = None
            try:
                sock = self.socket(family, type, proto)
                if timeout is not _DEFAULT_TIMEOUT:
                    sock.settimeout(timeout)
                if source_address:
                    sock.bind(source_address)
                sock.connect(sockaddr)
                error = None
                return sock
            except OSError as e:
                error = e
                if sock is not None:
                    sock.close()
        if error is not None:
            try:
                raise error
            finally:
                error = None
        raise OSError("getaddrinfo returns an empty list")

    def create_server(self, address: Tuple[str, int], *, family: int = _AF_INET,
                      backlog: Optional[int] = None, reuse_port: bool = False,
                      dualstack_ipv6: bool = False) -> _Socket:
        """A listening TCP socket bound to ``address`` in this stack, as
        :func:`socket.create_server` makes one (``SO_REUSEADDR`` set)."""
        if dualstack_ipv6 and family != socket.AF_INET6:
            raise ValueError("dualstack_ipv6 requires AF_INET6 family")
        sock = self.socket(family, socket.SOCK_STREAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if reuse_port:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            if family == socket.AF_INET6:
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY,
                                0 if dualstack_ipv6 else 1)
            sock.bind(address)
            if backlog is None:
                sock.listen()
            else:
                sock.listen(backlog)
            return sock
        except BaseException:
            sock.close()
            raise


class Stack(SocketSource):
    """An open stack: the root directory of an msockfs mount.

    It names the stack as its path does: every call is checked against the
    caller's credentials at that moment. To let another process create
    sockets in the stack, give it a :class:`Handle` (:meth:`handle`), never
    the stack directory (from a directory fd, ``..`` leads into the sender's
    file system).

    ``Stack(path)`` needs read permission on the stack root; it raises
    :class:`FileNotFoundError` for a missing path and :class:`NotAStackError`
    for one that is not a stack (or, with ``follow_symlinks=False``, for a
    symbolic link). ``dir_fd`` is as in :func:`os.open`.
    """

    path: Optional[StrPath]

    def __init__(self, path: StrPath, *, dir_fd: Optional[int] = None,
                 follow_symlinks: bool = True) -> None:
        self.path = path
        super().__init__(_open_stack(path, dir_fd, follow_symlinks))

    @classmethod
    def from_fd(cls, fd: int) -> "Stack":
        """Wraps (and owns) an fd of a stack root; nothing is checked."""
        self = cls.__new__(cls)
        self.path = None
        SocketSource.__init__(self, fd)
        return self

    def __repr__(self) -> str:
        state = "closed" if self.closed else f"fd={self._fd}"
        return f"<msocket.Stack {self.path!r} {state}>"

    def handle(self) -> "Handle":
        """A new :class:`Handle` for this stack (``MSOCK_IOC_GET_HANDLE``):
        the delegable right to create sockets here. Needs write permission."""
        try:
            return Handle.from_fd(_ioctl_fd(self.fileno(), _uapi.MSOCK_IOC_GET_HANDLE))
        except OSError as e:
            raise _oserror(e, self.path) from None

    def info(self) -> StackInfo:
        """The stack's identity (needs read permission only)."""
        try:
            raw = fcntl.ioctl(self.fileno(), _uapi.MSOCK_IOC_STACK_INFO,
                              bytes(_uapi.STACK_INFO.size))
        except OSError as e:
            raise _oserror(e, self.path) from None
        ino, cookie, uid, gid, mode, _ = _uapi.STACK_INFO.unpack(raw)
        return StackInfo(ino, cookie, uid, gid, mode)

    def netns(self) -> int:
        """A new (close-on-exec) nsfs fd of the stack's network namespace, for
        :func:`os.setns`; needs ``CAP_NET_ADMIN`` over it and write permission
        on the stack. The caller closes it."""
        try:
            return _ioctl_fd(self.fileno(), _uapi.MSOCK_IOC_GET_NETNS)
        except OSError as e:
            raise _oserror(e, self.path) from None


class Handle(SocketSource):
    """A stack handle: the right to create sockets in one stack, and nothing
    else.

    A handle is no directory (an anonymous inode, ``[msocket]``): it is what
    a process gives another to let it create sockets in a stack, over
    ``SCM_RIGHTS`` (:func:`socket.send_fds`) or by inheritance (handles are
    made non-inheritable, as Python's fds are). Changing the stack's mode,
    owner or group revokes every handle (:class:`PermissionError`); a
    read-only stack refuses sockets (``EROFS``). A handle keeps the mount it
    was made through busy, as an open directory does.

    ``Handle(path)`` makes one for the stack at ``path`` (write permission
    needed); :meth:`Stack.handle` for an open stack; :meth:`from_fd` wraps
    a received one.
    """

    path: Optional[StrPath]

    def __init__(self, path: StrPath, *, dir_fd: Optional[int] = None,
                 follow_symlinks: bool = True) -> None:
        self.path = path
        raw = _fsencode(path)
        dev = _device()
        if dev is None:
            # no /dev/msocket: open the stack, make the handle, close it
            with Stack(path, dir_fd=dir_fd, follow_symlinks=follow_symlinks) as stack:
                fd = stack.handle().detach()
        else:
            # the buffer holds the path the kernel reads during the ioctl
            buf = ctypes.create_string_buffer(raw)
            args = bytearray(_uapi.PATH_HANDLE_ARGS.pack(
                ctypes.addressof(buf), _AT_FDCWD if dir_fd is None else dir_fd,
                0 if follow_symlinks else _uapi.MSOCK_PATH_NOFOLLOW))
            try:
                fd = _ioctl_fd(dev, _uapi.MSOCK_IOC_PATH_HANDLE, args)
            except OSError as e:
                raise _oserror(e, path) from None
        super().__init__(fd)

    @classmethod
    def from_fd(cls, fd: int) -> "Handle":
        """Wraps (and owns) a handle's fd, received over ``SCM_RIGHTS`` for
        example; nothing is checked (a stack directory fd works too)."""
        self = cls.__new__(cls)
        self.path = None
        SocketSource.__init__(self, fd)
        return self

    def __repr__(self) -> str:
        state = "closed" if self.closed else f"fd={self._fd}"
        return f"<msocket.Handle {self.path!r} {state}>"


def _path_socket(path: StrPath, family: int, type: int, proto: int) -> socket.socket:
    raw = _fsencode(path)
    dev = _device()
    if dev is None:
        # no /dev/msocket (a minimal /dev): open the stack, in three calls
        with Stack(path) as stack:
            return stack.socket(family, type, proto)
    # the buffer holds the path the kernel reads during the ioctl
    buf = ctypes.create_string_buffer(raw)
    args = bytearray(_uapi.PATH_SOCKET_ARGS.pack(
        ctypes.addressof(buf), _AT_FDCWD, family, type | socket.SOCK_CLOEXEC, proto, 0, 0))
    try:
        fd = _ioctl_fd(dev, _uapi.MSOCK_IOC_PATH_SOCKET, args)
    except OSError as e:
        raise _oserror(e, path) from None
    return _wrap(fd, family, type, proto)


def default_stack(family: int) -> Optional[str]:
    """The default stack of this process for ``family``, as
    ``msocket(None, family, ...)`` chooses it: ``MSOCKET_STACK_<family>``,
    else ``MSOCKET_STACK`` from the environment, else
    :data:`MSOCKET_DEFAULT_STACK` if a stack is mounted there; None means the
    process' own stack."""
    path = os.environ.get(f"{_ENV_FAMILY}{family}") or os.environ.get(_ENV_ALL)
    if path:
        return path
    try:
        if is_stack(MSOCKET_DEFAULT_STACK):
            return MSOCKET_DEFAULT_STACK
    except OSError:
        pass
    return None


def _set_default(path: StrPath, family: int) -> None:
    if not is_stack(path):
        raise NotAStackError(path)
    value = os.fsdecode(path)
    if family == socket.AF_UNSPEC:
        # every family: forget per-family choices made before
        for d in range(1, _MAX_FAMILY):
            os.environ.pop(f"{_ENV_FAMILY}{d}", None)
        os.environ[_ENV_ALL] = value
        return
    if not 0 <= family < _MAX_FAMILY:
        raise OSError(errno.EAFNOSUPPORT, os.strerror(errno.EAFNOSUPPORT))
    os.environ[f"{_ENV_FAMILY}{family}"] = value


@overload
def msocket(path: StrPath, domain: int, type: Literal[0],  # type: ignore[overload-overlap]
            protocol: int = 0) -> None:
    ...


@overload
def msocket(path: Optional[StrPath], domain: int, type: int, protocol: int = 0) -> socket.socket:
    ...


def msocket(path: Optional[StrPath], domain: int, type: int,
            protocol: int = 0) -> Optional[socket.socket]:
    """msocket(3) in Python, with View-OS semantics.

    - ``msocket(path, domain, type, protocol)``: a socket in the stack at
      ``path`` (one ioctl of ``/dev/msocket``).
    - ``msocket(None, domain, type, protocol)``: in the default stack for
      ``domain`` (:func:`default_stack`); with none, an ordinary socket of
      the process' own stack.
    - ``msocket(path, domain, SOCK_DEFAULT)``: ``path`` becomes the default
      stack for ``domain`` (every family for ``AF_UNSPEC``), in the
      environment (``MSOCKET_STACK``, ``MSOCKET_STACK_<n>``), so libmsocket
      in this process and every child process see it too; returns None.
      Not thread-safe, as changing ``os.environ`` is not.

    Raises :class:`OSError`: :class:`FileNotFoundError`,
    :class:`NotAStackError`, :class:`PermissionError`, ``EAFNOSUPPORT``,
    ``EINVAL`` (``SOCK_DEFAULT`` without a path), and those of socket(2).
    """
    if type == SOCK_DEFAULT:
        if path is None:
            raise OSError(errno.EINVAL, "SOCK_DEFAULT needs the path of a stack")
        _set_default(path, domain)
        return None
    if path is None:
        path = default_stack(domain)
        if path is None:
            return socket.socket(domain, type, protocol)
    return _path_socket(path, domain, type, protocol)


def netns_cookie(sock: Union[socket.socket, int, Any]) -> int:
    """The network namespace cookie of a socket (``SO_NETNS_COOKIE``): the
    :attr:`StackInfo.netns_cookie` of the stack it was created in."""
    if isinstance(sock, socket.socket):
        raw = sock.getsockopt(socket.SOL_SOCKET, _uapi.SO_NETNS_COOKIE, 8)
    else:
        with socket.socket(fileno=os.dup(_as_fd(sock))) as s:
            raw = s.getsockopt(socket.SOL_SOCKET, _uapi.SO_NETNS_COOKIE, 8)
    return int.from_bytes(raw, sys.byteorder)
