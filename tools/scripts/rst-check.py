#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Check that every Documentation/**/*.rst parses cleanly with docutils.

Malformed tables, bad section underlines and broken inline markup are
reported (level WARNING and above); the Sphinx and kernel-doc directives and
roles that the kernel's documentation build provides (``.. c:macro::``,
``:c:func:``, ...) are accepted without being checked. Prints one
"ok"/"not ok" line per file and "doc: N passed, M failed"; exits 1 on any
failure.
"""

import glob
import io
import os
import sys

try:
    import docutils.core
    from docutils.parsers.rst import Directive, directives, roles
except ImportError:
    sys.exit("rst-check: python3 docutils is missing (Debian: python3-docutils; make setup)")


class Accepted(Directive):
    """A Sphinx-only directive: content kept as a literal block, unchecked."""
    has_content = True
    optional_arguments = 10
    final_argument_whitespace = True
    option_spec = None

    def run(self):
        return []


class AnyOptions(dict):
    def __missing__(self, key):
        return directives.unchanged


Accepted.option_spec = AnyOptions()

SPHINX_DIRECTIVES = ["c:macro", "c:function", "c:type", "c:struct", "c:member", "c:var",
                     "c:enum", "c:enumerator", "kernel-doc", "toctree", "only", "index",
                     "note", "warning", "seealso", "versionadded", "highlight"]
SPHINX_ROLES = ["c:func", "c:macro", "c:type", "c:struct", "c:member", "ref", "doc",
                "manpage", "file", "command", "envvar"]


def literal_role(name, rawtext, text, lineno, inliner, options=None, content=None):
    from docutils import nodes
    return [nodes.literal(rawtext, text)], []


def main():
    root = os.path.realpath(os.path.join(os.path.dirname(__file__), "..", ".."))
    for d in SPHINX_DIRECTIVES:
        if d in ("note", "warning", "seealso"):
            continue    # docutils has these
        directives.register_directive(d, Accepted)
    for r in SPHINX_ROLES:
        roles.register_local_role(r, literal_role)
    files = sorted(glob.glob(os.path.join(root, "Documentation", "**", "*.rst"), recursive=True))
    failed = 0
    for i, path in enumerate(files, 1):
        rel = os.path.relpath(path, root)
        err = io.StringIO()
        with open(path, encoding="utf-8") as f:
            docutils.core.publish_doctree(f.read(), source_path=rel, settings_overrides={
                "warning_stream": err, "report_level": 2, "halt_level": 5})
        if err.getvalue():
            failed += 1
            print(f"not ok {i} {rel}")
            for line in err.getvalue().rstrip().splitlines():
                print(f"  # {line}")
        else:
            print(f"ok {i} {rel}")
    print(f"doc: {len(files) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
