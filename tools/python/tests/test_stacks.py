# SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
"""The package against real stacks (in the VM: tools/vm/guest/python.sh)."""

import errno
import os
import socket
import stat
import subprocess
import sys

import pytest

import msocket
from conftest import as_user

HERE = os.path.dirname(os.path.abspath(__file__))
PACKAGE_DIR = os.path.dirname(HERE)


def cookie(source):
    with source.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        return msocket.netns_cookie(s)


def native_cookie():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        return msocket.netns_cookie(s)


def test_stack_info_and_identity(stack_a, stack_b):
    with msocket.Stack(stack_a) as a, msocket.Stack(stack_b) as b:
        ia, ib = a.info(), b.info()
        assert isinstance(ia, msocket.StackInfo)
        assert ia.netns_cookie != ib.netns_cookie
        with open(os.path.join(stack_a, "netns")) as f:
            assert f.read().strip() == f"net:[{ia.netns_ino}]"
        assert stat.S_IMODE(ia.mode) == 0o777
        assert cookie(a) == ia.netns_cookie and cookie(b) == ib.netns_cookie
        assert native_cookie() not in (ia.netns_cookie, ib.netns_cookie)
        assert msocket.is_stack(stack_a)
        assert repr(a).startswith("<msocket.Stack ")


def test_socket_objects(stack_a):
    with msocket.Stack(stack_a) as a:
        with a.socket() as s:
            assert (s.family, s.type, s.proto) == (socket.AF_INET, socket.SOCK_STREAM, 0)
            assert s.get_inheritable() is False  # as Python's sockets
            assert s.gettimeout() is None
        with a.socket(socket.AF_INET6, socket.SOCK_DGRAM | socket.SOCK_NONBLOCK) as s:
            assert (s.family, s.type) == (socket.AF_INET6, socket.SOCK_DGRAM)
            assert s.gettimeout() == 0.0 and not s.getblocking()
            with pytest.raises(BlockingIOError):
                s.recv(1)
        with a.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET) as s:
            assert s.family == socket.AF_UNIX
        with msocket.msocketat(a, socket.AF_INET, socket.SOCK_DGRAM) as s:
            assert msocket.netns_cookie(s) == a.info().netns_cookie
        socket.setdefaulttimeout(7.0)
        try:
            with a.socket() as s:
                assert s.gettimeout() == 7.0
        finally:
            socket.setdefaulttimeout(None)


def test_errors_from_the_kernel(stack_a):
    with msocket.Stack(stack_a) as a:
        with pytest.raises(OSError) as e:
            a.socket(socket.AF_INET, 12345)
        assert e.value.errno == errno.EINVAL and e.value.filename == stack_a
        with pytest.raises(OSError) as e:
            a.socket(31, socket.SOCK_STREAM)
        assert e.value.errno == errno.EAFNOSUPPORT
    with pytest.raises(msocket.NotAStackError):
        msocket.msocket("/", socket.AF_INET, socket.SOCK_STREAM)
    with pytest.raises(FileNotFoundError) as e:
        msocket.msocket("/no/such", socket.AF_INET, socket.SOCK_STREAM)
    assert e.value.filename == "/no/such"


def test_a_service_is_reached_in_its_stack_only(stack_a, stack_b):
    a, b = msocket.Stack(stack_a), msocket.Handle(stack_b)
    with a.create_server(("127.0.0.1", 0)) as srv:
        port = srv.getsockname()[1]
        with a.create_connection(("127.0.0.1", port), timeout=10) as c:
            assert c.gettimeout() == 10
            conn, peer = srv.accept()
            assert peer == c.getsockname()
            conn.sendall(b"from a")
            conn.close()
            assert c.recv(16) == b"from a"
        with pytest.raises(ConnectionRefusedError):
            b.create_connection(("127.0.0.1", port))
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", port))
        with pytest.raises(ConnectionRefusedError):
            msocket.msocket(stack_b, socket.AF_INET, socket.SOCK_STREAM).connect(
                ("127.0.0.1", port))
    a.close()
    b.close()


def test_create_connection_by_name_and_source(stack_a):
    with msocket.Stack(stack_a) as a:
        with a.create_server(("::1", 0), family=socket.AF_INET6) as srv:
            port = srv.getsockname()[1]
            with a.create_connection(("::1", port), source_address=("::1", 0)) as c:
                assert c.family == socket.AF_INET6
        with a.create_server(("::", 0), family=socket.AF_INET6, dualstack_ipv6=True) as srv:
            port = srv.getsockname()[1]
            with a.create_connection(("localhost", port)) as c:
                assert c.getpeername()[1] == port
        with pytest.raises(ValueError):
            a.create_server(("127.0.0.1", 0), dualstack_ipv6=True)


def test_same_port_in_two_stacks(stack_a, stack_b):
    with msocket.Stack(stack_a) as a, msocket.Stack(stack_b) as b:
        ua = a.socket(socket.AF_INET, socket.SOCK_DGRAM)
        ua.bind(("127.0.0.1", 0))
        port = ua.getsockname()
        ub = b.socket(socket.AF_INET, socket.SOCK_DGRAM)
        ub.bind(port)  # no EADDRINUSE: another stack
        again = a.socket(socket.AF_INET, socket.SOCK_DGRAM)
        with pytest.raises(OSError) as e:
            again.bind(port)
        assert e.value.errno == errno.EADDRINUSE
        for s in (ua, ub, again):
            s.close()


def test_msocket_by_path_and_defaults(stack_a, stack_b):
    ca, cb = cookie(msocket.Stack(stack_a)), cookie(msocket.Stack(stack_b))
    native = native_cookie()
    with msocket.msocket(stack_a, socket.AF_INET, socket.SOCK_STREAM) as s:
        assert msocket.netns_cookie(s) == ca
    # SOCK_DEFAULT for one family
    assert msocket.msocket(stack_a, socket.AF_INET, msocket.SOCK_DEFAULT) is None
    assert os.environ[f"MSOCKET_STACK_{socket.AF_INET}"] == stack_a
    assert msocket.default_stack(socket.AF_INET) == stack_a
    with msocket.msocket(None, socket.AF_INET, socket.SOCK_DGRAM) as s:
        assert msocket.netns_cookie(s) == ca
    with msocket.msocket(None, socket.AF_INET6, socket.SOCK_DGRAM) as s:
        assert msocket.netns_cookie(s) == native
    # every family, and a per-family default wins over it
    msocket.msocket(stack_b, socket.AF_UNSPEC, msocket.SOCK_DEFAULT)
    assert f"MSOCKET_STACK_{socket.AF_INET}" not in os.environ
    for family in (socket.AF_INET, socket.AF_INET6, socket.AF_UNIX):
        with msocket.msocket(None, family, socket.SOCK_DGRAM) as s:
            assert msocket.netns_cookie(s) == cb
    msocket.msocket(stack_a, socket.AF_INET6, msocket.SOCK_DEFAULT)
    with msocket.msocket(None, socket.AF_INET6, socket.SOCK_DGRAM) as s:
        assert msocket.netns_cookie(s) == ca
    with pytest.raises(OSError) as e:
        msocket.msocket(stack_a, 64, msocket.SOCK_DEFAULT)
    assert e.value.errno == errno.EAFNOSUPPORT
    # inherited by a child process, and the same choice as libmsocket's
    out = subprocess.run(
        [sys.executable, "-c",
         "import socket, msocket; "
         "print(msocket.netns_cookie(msocket.msocket(None, socket.AF_INET, socket.SOCK_DGRAM)))"],
        env=dict(os.environ, PYTHONPATH=PACKAGE_DIR), check=True, capture_output=True,
        text=True).stdout
    assert int(out) == cb


def test_dev_net_default(root, stack_a, stack_b):
    default = msocket.MSOCKET_DEFAULT_STACK
    os.makedirs(default, exist_ok=True)
    subprocess.run(["mount", "--bind", stack_a, default], check=True)
    try:
        assert msocket.default_stack(socket.AF_INET) == default
        with msocket.msocket(None, socket.AF_INET, socket.SOCK_DGRAM) as s:
            assert msocket.netns_cookie(s) == cookie(msocket.Stack(stack_a))
        msocket.msocket(stack_b, socket.AF_UNSPEC, msocket.SOCK_DEFAULT)  # wins
        with msocket.msocket(None, socket.AF_INET, socket.SOCK_DGRAM) as s:
            assert msocket.netns_cookie(s) == cookie(msocket.Stack(stack_b))
    finally:
        subprocess.run(["umount", default], check=True)
        os.rmdir(default)


def test_fallback_without_dev_msocket(stack_a, monkeypatch):
    ca = cookie(msocket.Stack(stack_a))
    monkeypatch.setattr(msocket, "_device", lambda: None)
    with msocket.msocket(stack_a, socket.AF_INET, socket.SOCK_DGRAM) as s:
        assert msocket.netns_cookie(s) == ca
    with pytest.raises(msocket.NotAStackError):
        msocket.msocket("/", socket.AF_INET, socket.SOCK_DGRAM)
    with pytest.raises(FileNotFoundError):
        msocket.msocket("/no/such", socket.AF_INET, socket.SOCK_DGRAM)
    with msocket.Handle(stack_a) as h:
        assert cookie(h) == ca
    with pytest.raises(msocket.NotAStackError):
        msocket.Handle("/tmp")


def _private_denied(path):
    for make in (lambda: msocket.msocket(path, socket.AF_INET, socket.SOCK_STREAM),
                 lambda: msocket.Stack(path), lambda: msocket.Handle(path)):
        try:
            make()
            return 100
        except PermissionError as e:
            if e.filename != path:
                return 101
    return 0


def test_permission_is_the_callers(stack_a, stack_private):
    with msocket.Stack(stack_private) as p:
        p.socket().close()  # root
    assert as_user(_private_denied, stack_private) == 0
    assert as_user(lambda: msocket.msocket(stack_a, socket.AF_INET, socket.SOCK_STREAM)
                   .close()) == 0


# --- stack handles ---

def test_handles(stack_a, stack_b):
    with msocket.Stack(stack_a) as a:
        ca = a.info().netns_cookie
        with a.handle() as h1, msocket.Handle(stack_a) as h2:
            assert cookie(h1) == ca and cookie(h2) == ca
            assert os.get_inheritable(h1.fileno()) is False
            assert not stat.S_ISDIR(os.fstat(h1.fileno()).st_mode)
            with pytest.raises(NotADirectoryError):
                os.open("..", os.O_RDONLY, dir_fd=h1.fileno())
            with pytest.raises(NotADirectoryError):
                os.fchdir(h2.fileno())
            with h1.create_server(("127.0.0.1", 0)) as srv:
                h2.create_connection(srv.getsockname()).close()
            assert isinstance(h1, msocket.SocketSource) and repr(h2).startswith("<msocket.Handle")
    link = f"/tmp/msocket-py-link-{os.getpid()}"
    os.symlink(stack_b, link)
    try:
        with msocket.Handle(link) as h:
            assert cookie(h) == cookie(msocket.Stack(stack_b))
        with pytest.raises(msocket.NotAStackError):
            msocket.Handle(link, follow_symlinks=False)
        dirfd = os.open(os.path.dirname(stack_b), os.O_RDONLY | os.O_DIRECTORY)
        with msocket.Handle(os.path.basename(stack_b), dir_fd=dirfd) as h:
            assert cookie(h) == cookie(msocket.Stack(stack_b))
        os.close(dirfd)
    finally:
        os.unlink(link)
    with pytest.raises(msocket.NotAStackError):
        msocket.Handle("/")
    with pytest.raises(FileNotFoundError):
        msocket.Handle("/no/such")


def _use_received(sock, expect_cookie):
    _, fds, _, _ = socket.recv_fds(sock, 16, 2)
    handle, directory = msocket.Handle.from_fd(fds[0]), msocket.Stack.from_fd(fds[1])
    if cookie(handle) != expect_cookie:
        return 100
    try:
        directory.socket()
        return 101  # a directory fd carries no right
    except PermissionError:
        return 0


def test_handle_delegates_over_scm_rights(stack_private):
    """Root sends a handle and a stack directory fd of a 0700 stack to an
    unprivileged process: the handle works there, the directory does not."""
    with msocket.Stack(stack_private) as p, p.handle() as h:
        parent, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        socket.send_fds(parent, [b"x"], [h.fileno(), p.fileno()])
        assert as_user(_use_received, child, p.info().netns_cookie) == 0
        parent.close()
        child.close()


def test_handle_revoked_by_chmod(root, stack_scratch):
    with msocket.Handle(stack_scratch) as h:
        h.socket().close()
        mode = stat.S_IMODE(os.stat(stack_scratch).st_mode)
        os.chmod(stack_scratch, 0o775)
        try:
            with pytest.raises(PermissionError):
                h.socket()
        finally:
            os.chmod(stack_scratch, mode)
        with pytest.raises(PermissionError):
            h.socket()  # revoked for good
    with msocket.Handle(stack_scratch) as fresh:
        fresh.socket().close()


def test_handle_of_a_read_only_stack(root, stack_scratch):
    """EROFS while the mount is read-only (a bind remount: no mode= given
    again, which would revoke the handle), and sockets again after."""
    with msocket.Handle(stack_scratch) as h:
        subprocess.run(["mount", "-o", "remount,bind,ro", stack_scratch], check=True)
        try:
            with pytest.raises(OSError) as e:
                h.socket()
            assert e.value.errno == errno.EROFS
        finally:
            subprocess.run(["mount", "-o", "remount,bind,rw", stack_scratch], check=True)
        h.socket().close()


def test_handle_pins_its_mount(root, stack_a, tmp_path):
    """A handle keeps its mount busy; after a lazy unmount it still works."""
    mnt = tmp_path / "pinned"
    mnt.mkdir()
    subprocess.run(["mount", "-t", "msockfs", "-o", "mode=0777", "netns=/proc/1/ns/net",
                    str(mnt)], check=True)
    h = msocket.Handle(mnt)
    busy = subprocess.run(["umount", str(mnt)], capture_output=True, text=True)
    subprocess.run(["umount", "-l", str(mnt)], check=True)
    assert busy.returncode != 0 and "busy" in busy.stderr, busy.stderr
    with h, h.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        assert msocket.netns_cookie(s) == native_cookie()
