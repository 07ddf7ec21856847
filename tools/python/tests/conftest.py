# SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
"""Fixtures for the msocket package's tests.

Tests that need stacks take them from the environment, as the VM test set
(tools/vm/guest/python.sh) provides them: MSOCKET_TEST_STACK_A and _B (two
network namespaces, loopback up, mode 0777), _PRIVATE (root's, mode 0700),
_SCRATCH (mode 0777, may be chmod'ed and remounted by a test as root).
Without them those tests are skipped (say, on a host without the module).
"""

import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

USER_ID = 1000


def _stack(var):
    path = os.environ.get(var)
    if not path:
        pytest.skip(f"{var} is not set (needs msockfs stacks: tools/vm/msocket-vm test python)")
    return path


@pytest.fixture
def stack_a():
    return _stack("MSOCKET_TEST_STACK_A")


@pytest.fixture
def stack_b():
    return _stack("MSOCKET_TEST_STACK_B")


@pytest.fixture
def stack_private():
    return _stack("MSOCKET_TEST_STACK_PRIVATE")


@pytest.fixture
def stack_scratch():
    return _stack("MSOCKET_TEST_STACK_SCRATCH")


@pytest.fixture
def root():
    if os.geteuid() != 0:
        pytest.skip("needs root")


@pytest.fixture(autouse=True)
def clean_defaults():
    """Each test starts without default stacks and leaves none behind."""
    saved = {k: v for k, v in os.environ.items() if k.startswith("MSOCKET_STACK")}
    for k in saved:
        del os.environ[k]
    yield
    for k in [k for k in os.environ if k.startswith("MSOCKET_STACK")]:
        del os.environ[k]
    os.environ.update(saved)


def as_user(fn, *args, uid=USER_ID):
    """Run fn(*args) in a child process with uid and gid ``uid`` (no other
    groups); return what it returned (an int: 0 or an errno) or raise if it
    raised something other than OSError (whose errno is returned)."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            os.close(r)
            os.setgroups([])
            os.setresgid(uid, uid, uid)
            os.setresuid(uid, uid, uid)
            try:
                code = int(fn(*args) or 0)
            except OSError as e:
                code = e.errno or 255
        except BaseException as e:  # report, never return into pytest
            os.write(w, repr(e).encode())
            code = 254
        finally:
            os._exit(code)
    os.close(w)
    with os.fdopen(r, "rb") as f:
        why = f.read().decode()
    _, status = os.waitpid(pid, 0)
    code = os.waitstatus_to_exitcode(status)
    if code == 254:
        raise AssertionError(f"child failed: {why}")
    return code
