# SPDX-License-Identifier: MIT
"""The code stays formatted and lint-clean, and the API docs build.

`make lint` is clang-format's check plus cppcheck; `make docs` is doxygen.
Both are quick, so `make test` keeps them green.
"""
from harness.qemu import run


def test_lint_is_clean(harness):
    r = run(["make", "-s", "lint"], 300, cwd=harness.repo)
    assert r.exit_code == 0, "make lint found problems (make format fixes style):\n" + \
        "\n".join(r.last_lines(40))


def test_docs_build(harness):
    r = run(["make", "-s", "docs"], 300, cwd=harness.repo)
    assert r.exit_code == 0, "\n".join(r.last_lines(40))
    assert (harness.repo / "build" / "docs" / "html" / "index.html").is_file()
