#!/usr/bin/python3
"""Run the test suite (what `make test` runs) and end with a plain count line.

    tools/run_tests.py [pytest args, e.g. --stage 2 --board virt -k ipc]

Runs `/usr/bin/python3 -m pytest -c tools/pytest.ini --rootdir <repo>
--junitxml build/test-results.xml ARGS` in the repository root, streaming
pytest's output, then prints as its LAST line exactly
`<P> passed, <F> failed` (failed includes errors; `, <S> skipped` is added
only if S > 0), counted from the junit XML.  Exit status: pytest's, except
5 ("no tests collected") becomes 1.
"""

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PYTHON = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable
EXIT_NAMES = {2: "interrupted", 3: "internal error", 4: "usage error", 5: "no tests collected"}


def junit_counts(xml_path: Path):
    """(passed, failed, skipped) over the <testcase> elements, or None."""
    try:
        root = ET.parse(xml_path).getroot()
    except (OSError, ET.ParseError):
        return None
    passed = failed = skipped = 0
    for case in root.iter("testcase"):
        tags = {child.tag for child in case}
        if tags & {"failure", "error"}:
            failed += 1
        elif "skipped" in tags:
            skipped += 1
        else:
            passed += 1
    return passed, failed, skipped


def summary_line(passed: int, failed: int, skipped: int) -> str:
    line = f"{passed} passed, {failed} failed"
    return line + (f", {skipped} skipped" if skipped else "")


def main(argv) -> int:
    xml = REPO / "build" / "test-results.xml"
    xml.parent.mkdir(parents=True, exist_ok=True)
    if xml.exists():
        xml.unlink()        # never count a previous run's results
    cmd = [PYTHON, "-m", "pytest", "-c", "tools/pytest.ini", "--rootdir", str(REPO),
           "--junitxml", str(xml)] + list(argv)
    proc = subprocess.Popen(cmd, cwd=REPO, stdin=subprocess.DEVNULL)
    while True:
        try:
            rc = proc.wait()
            break
        except KeyboardInterrupt:
            continue        # pytest got the SIGINT too; let it write its report
    counts = junit_counts(xml)
    if rc not in (0, 1):
        print(f"run_tests: pytest exited with status {rc} ({EXIT_NAMES.get(rc, 'error')})")
    if counts is None:
        print("run_tests: pytest wrote no results (build/test-results.xml)")
        counts = (0, 0 if rc == 0 else 1, 0)
    print(summary_line(*counts), flush=True)
    return 1 if rc == 5 else rc


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
