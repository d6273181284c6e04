"""Run the hardening tests and print what they tried and what broke, per category.

    python scripts/hardening_report.py              # everything, the browser included
    python scripts/hardening_report.py --no-browser # without Chromium

Each hardening test appends its figures to a tally file (``tests/hardening_tally.py``): inputs
tried, events lost or duplicated, files corrupted, scripts executed in the browser. This script
runs pytest on those tests with the tally turned on, counts the failing tests of each category as
crashes, and prints one Markdown table. It exits 1 if any figure but the inputs is not 0.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from hardening_tally import CATEGORIES, TALLY_ENV  # noqa: E402

TEST_FILES = [
    "tests/test_hardening_text.py",
    "tests/test_hardening_store.py",
    "tests/test_hardening_services.py",
    "tests/test_hardening_links.py",
    "tests/test_properties.py",
]
BROWSER_FILES = ["tests/browser/test_hostile_browser.py"]
# The category of a test that failed before it recorded anything, by file.
FILE_CATEGORY = {
    "test_hardening_text": "hostile text",
    "test_hardening_store": "broken data",
    "test_hardening_services": "failing services",
    "test_hardening_links": "tampered links",
    "test_properties": "property-based",
    "test_hostile_browser": "browser",
}


def _test_key(nodeid_or_case: str) -> str:
    """``file_stem::function`` without parameters, from a node id."""
    path, _, name = nodeid_or_case.partition("::")
    return f"{Path(path).stem}::{name.split('[')[0]}"


def run(browser: bool, extra: list[str]) -> tuple[dict[str, dict[str, int]], dict[str, int], str]:
    """Run pytest; return (figures per category, outcome counts, pytest's last line)."""
    files = TEST_FILES + (BROWSER_FILES if browser else [])
    with tempfile.TemporaryDirectory() as tmp:
        tally = Path(tmp) / "tally.jsonl"
        junit = Path(tmp) / "junit.xml"
        cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--junitxml={junit}", *files, *extra]
        if not browser:
            cmd += ["-m", "not browser"]
        env = {**os.environ, TALLY_ENV: str(tally)}
        proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
        last = (proc.stdout.strip().splitlines() or ["(no output)"])[-1]
        lines = [json.loads(line) for line in tally.read_text().splitlines()] if tally.exists() else []
        cases = ET.parse(junit).getroot().iter("testcase") if junit.exists() else iter(())
        outcomes = {"passed": 0, "failed": 0, "skipped": 0}
        failed_keys: list[str] = []
        for case in cases:
            file_stem = case.get("classname", "").split(".")[-1]
            key = f"{file_stem}::{case.get('name', '').split('[')[0]}"
            if case.find("failure") is not None or case.find("error") is not None:
                outcomes["failed"] += 1
                failed_keys.append(key)
            elif case.find("skipped") is not None:
                outcomes["skipped"] += 1
            else:
                outcomes["passed"] += 1
    figures: dict[str, dict[str, int]] = {
        c: {"inputs": 0, "crashes": 0, "lost": 0, "duplicated": 0, "corrupted": 0, "scripts": 0} for c in CATEGORIES
    }
    categories_of: dict[str, set[str]] = defaultdict(set)
    for line in lines:
        fig = figures[line["category"]]
        for field in ("inputs", "lost", "duplicated", "corrupted", "scripts"):
            fig[field] += int(line[field])
        categories_of[_test_key(line["test"])].add(line["category"])
    for key in failed_keys:
        cats = categories_of.get(key) or {FILE_CATEGORY.get(key.split("::")[0], "hostile text")}
        for cat in cats:
            figures[cat]["crashes"] += 1
    return figures, outcomes, last


def table(figures: dict[str, dict[str, int]]) -> str:
    rows = [
        "| category | inputs tried | crashes | events lost or duplicated | files corrupted | scripts executed in the browser |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    total = {k: 0 for k in ("inputs", "crashes", "lost", "duplicated", "corrupted", "scripts")}
    for cat in CATEGORIES:
        f = figures[cat]
        for k in total:
            total[k] += f[k]
        rows.append(
            f"| {cat} | {f['inputs']:,} | {f['crashes']} | {f['lost'] + f['duplicated']} | {f['corrupted']} | "
            f"{f['scripts'] if cat == 'browser' else '-'} |"
        )
    rows.append(
        f"| **total** | **{total['inputs']:,}** | **{total['crashes']}** | **{total['lost'] + total['duplicated']}** | "
        f"**{total['corrupted']}** | **{total['scripts']}** |"
    )
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--no-browser", action="store_true", help="skip the Chromium test of hostile events")
    parser.add_argument("pytest_args", nargs="*", help="extra pytest arguments (after --)")
    args = parser.parse_args(argv)
    figures, outcomes, last = run(not args.no_browser, args.pytest_args)
    command = "python scripts/hardening_report.py" + (" --no-browser" if args.no_browser else "")
    print(table(figures))
    print()
    print(f"pytest: {outcomes['passed']} passed, {outcomes['failed']} failed, {outcomes['skipped']} skipped ({last})")
    print(f"command: {command}")
    bad = sum(f[k] for f in figures.values() for k in ("crashes", "lost", "duplicated", "corrupted", "scripts"))
    return 1 if bad or outcomes["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
