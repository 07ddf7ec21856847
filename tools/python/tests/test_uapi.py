# SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
"""The package's copy of <linux/msocket.h> against the C header, and what
works without the module."""

import errno
import os
import shutil
import socket
import subprocess

import pytest

import msocket
from msocket import _uapi

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
HEADER_DIR = os.path.join(REPO, "include", "uapi")

NAMES = ["MSOCKFS_MAGIC", "MSOCKIO", "MSOCK_IOC_SOCKET", "MSOCK_IOC_GET_NETNS",
         "MSOCK_IOC_STACK_INFO", "MSOCK_IOC_GET_HANDLE", "MSOCK_IOC_PATH_SOCKET",
         "MSOCK_IOC_PATH_HANDLE", "MSOCK_PATH_NOFOLLOW", "SOCK_DEFAULT"]
STRUCTS = {"msock_socket_args": _uapi.SOCKET_ARGS,
           "msock_path_socket_args": _uapi.PATH_SOCKET_ARGS,
           "msock_path_handle_args": _uapi.PATH_HANDLE_ARGS,
           "msock_stack_info": _uapi.STACK_INFO}


def test_matches_the_c_header(tmp_path):
    cc = shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")
    if not os.path.exists(os.path.join(HEADER_DIR, "linux", "msocket.h")):
        pytest.skip("not in the msocket source tree")
    assert cc, "a C compiler is needed to compare with the header"
    lines = [f'\tprintf("%llu\\n", (unsigned long long)({n}));' for n in NAMES]
    lines += [f'\tprintf("%zu\\n", sizeof(struct {s}));' for s in STRUCTS]
    lines += ['\tprintf("%s\\n", MSOCKET_DEVICE);']
    src = tmp_path / "uapi.c"
    src.write_text("#include <stdio.h>\n#include <linux/msocket.h>\nint main(void)\n{\n"
                   + "\n".join(lines) + "\n\treturn 0;\n}\n")
    exe = tmp_path / "uapi"
    subprocess.run([cc, "-I", HEADER_DIR, "-o", str(exe), str(src)], check=True)
    got = subprocess.run([str(exe)], check=True, capture_output=True, text=True).stdout.split()
    want = [str(getattr(_uapi, n)) for n in NAMES]
    want += [str(s.size) for s in STRUCTS.values()]
    want += [_uapi.MSOCKET_DEVICE]
    assert got == want


def test_not_a_stack():
    assert msocket.is_stack("/") is False
    with pytest.raises(FileNotFoundError):
        msocket.is_stack("/no/such/path")
    for path in ["/", "/etc/hostname", b"/", "/proc"]:
        with pytest.raises(msocket.NotAStackError) as e:
            msocket.Stack(path)
        assert e.value.errno == errno.ENOTSUP and e.value.filename == path
    with pytest.raises(FileNotFoundError) as e:
        msocket.Stack("/no/such/path")
    assert e.value.filename == "/no/such/path"
    with pytest.raises(ValueError):
        msocket.is_stack("a\0b")


def test_fd_that_is_not_a_stack():
    fd = os.open("/", os.O_RDONLY | os.O_DIRECTORY)
    with msocket.Stack.from_fd(fd) as s:
        assert s.fileno() == fd and not s.closed
        with pytest.raises(OSError) as e:
            s.socket()
        assert e.value.errno == errno.ENOTTY
        with pytest.raises(OSError) as e:
            s.info()
        assert e.value.errno == errno.ENOTTY
        with pytest.raises(OSError) as e:
            msocket.msocketat(fd, socket.AF_INET, socket.SOCK_DGRAM)
        assert e.value.errno == errno.ENOTTY
    assert s.closed
    with pytest.raises(OSError):
        os.fstat(fd)  # closed with the object
    with pytest.raises(ValueError):
        s.socket()


def test_native_without_default():
    with msocket.msocket(None, socket.AF_INET, socket.SOCK_DGRAM) as s:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as n:
            assert msocket.netns_cookie(s) == msocket.netns_cookie(n)
    with pytest.raises(OSError) as e:
        msocket.msocket(None, socket.AF_INET, msocket.SOCK_DEFAULT)
    assert e.value.errno == errno.EINVAL


def test_sock_default_only_for_stacks():
    with pytest.raises(msocket.NotAStackError):
        msocket.msocket("/", socket.AF_INET, msocket.SOCK_DEFAULT)
    with pytest.raises(FileNotFoundError):
        msocket.msocket("/no/such", socket.AF_UNSPEC, msocket.SOCK_DEFAULT)
    assert not [k for k in os.environ if k.startswith("MSOCKET_STACK")]
