#!/usr/bin/env python3
"""Summarise the JUnit XML reports of every test suite in one directory.

    scripts/junit_summary.py DIR
        Prints one line per report (and per test suite inside it), then, as the very last line,
        exactly `N passed, N failed, N skipped`. Exits 1 if any test failed or errored, or if no
        test ran at all; 0 otherwise.

    scripts/junit_summary.py --from-cargo-test LOG OUT.xml
        Turns the `test result: ... N passed; N failed; N ignored` lines of a plain `cargo test`
        log into a minimal JUnit report (used when cargo-nextest is not installed).

Only the standard library is used, so it runs before any virtualenv exists.
"""

from __future__ import annotations

import re
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from xml.sax.saxutils import quoteattr


def classify(testcase: ET.Element) -> str:
    tags = {child.tag for child in testcase}
    if "failure" in tags or "error" in tags:
        return "failed"
    if "skipped" in tags:
        return "skipped"
    return "passed"


def suites_of(root: ET.Element) -> list[ET.Element]:
    """Every element that holds test cases directly: the suites at any depth,
    and the root itself when cases sit right under it (node's reporter does
    that). Cases are counted under their direct parent only, never twice."""
    suites = list(root.iter("testsuite"))
    if root.tag != "testsuite" and root.find("testcase") is not None:
        suites.insert(0, root)
    return suites


def summarise(directory: Path) -> int:
    reports = sorted(p for p in directory.glob("*.xml") if p.is_file())
    total = {"passed": 0, "failed": 0, "skipped": 0}
    broken: list[str] = []
    print(f"JUnit reports in {directory}:")
    if not reports:
        print("  (none)")
    for report in reports:
        try:
            root = ET.parse(report).getroot()
        except ET.ParseError as exc:
            broken.append(f"{report.name}: {exc}")
            print(f"  {report.name}: unreadable ({exc})")
            continue
        per_file = {"passed": 0, "failed": 0, "skipped": 0}
        lines = []
        failed_names = []
        for suite in suites_of(root):
            counts = {"passed": 0, "failed": 0, "skipped": 0}
            for case in suite.findall("testcase"):
                outcome = classify(case)
                counts[outcome] += 1
                if outcome == "failed":
                    failed_names.append(f"{case.get('classname', '')}::{case.get('name', '')}".lstrip(":"))
            # A suite-level error with no test cases (e.g. a crashed collection) is a failure too.
            if not any(counts.values()) and int(suite.get("errors", "0") or 0) > 0:
                counts["failed"] += int(suite.get("errors"))
                failed_names.append(f"{suite.get('name', '?')} (suite error)")
            for key in per_file:
                per_file[key] += counts[key]
            lines.append(
                f"    {suite.get('name', '?')}: passed={counts['passed']} failed={counts['failed']} "
                f"skipped={counts['skipped']}"
            )
        print(
            f"  {report.stem}: passed={per_file['passed']} failed={per_file['failed']} skipped={per_file['skipped']}"
        )
        if len(lines) > 1:
            for line in lines:
                print(line)
        for name in failed_names[:50]:
            print(f"      FAILED {name}")
        if len(failed_names) > 50:
            print(f"      ... and {len(failed_names) - 50} more")
        for key in total:
            total[key] += per_file[key]
    ran = total["passed"] + total["failed"]
    if ran == 0:
        print("no test ran")
    for problem in broken:
        print(f"broken report: {problem}")
    print(f"{total['passed']} passed, {total['failed']} failed, {total['skipped']} skipped")
    return 1 if total["failed"] or ran == 0 or broken else 0


RESULT_RE = re.compile(r"test result: \w+\. (\d+) passed; (\d+) failed; (\d+) ignored")
FAILED_RE = re.compile(r"^test (\S+) \.\.\. FAILED", re.M)


def from_cargo_test(log: Path, out: Path) -> int:
    text = log.read_text(errors="replace")
    passed = failed = ignored = 0
    for m in RESULT_RE.finditer(text):
        passed += int(m.group(1))
        failed += int(m.group(2))
        ignored += int(m.group(3))
    failed_names = FAILED_RE.findall(text)
    cases = []
    for i in range(passed):
        cases.append(f'<testcase classname="cargo-test" name="passed-{i}"/>')
    for i in range(failed):
        name = failed_names[i] if i < len(failed_names) else f"failed-{i}"
        cases.append(f'<testcase classname="cargo-test" name={quoteattr(name)}><failure message="failed"/></testcase>')
    for i in range(ignored):
        cases.append(f'<testcase classname="cargo-test" name="ignored-{i}"><skipped/></testcase>')
    out.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<testsuites><testsuite name="cargo-test" tests="{passed + failed + ignored}" failures="{failed}" '
        f'skipped="{ignored}">{"".join(cases)}</testsuite></testsuites>\n'
    )
    return 0


def main(argv: list[str]) -> int:
    if len(argv) == 4 and argv[1] == "--from-cargo-test":
        return from_cargo_test(Path(argv[2]), Path(argv[3]))
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    directory = Path(argv[1])
    if not directory.is_dir():
        print(f"no such directory: {directory}")
        print("0 passed, 0 failed, 0 skipped")
        return 1
    return summarise(directory)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
