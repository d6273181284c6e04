"""A tally of what the hardening tests tried, for ``scripts/hardening_report.py``.

Each hardening test calls :func:`record` with its category and what it measured (inputs tried,
events lost or duplicated, files corrupted, scripts executed in the browser) *before* asserting,
so the report shows the real figures even when a test fails. Without ``$GEO_HARDENING_TALLY``
(an ordinary ``pytest`` run) :func:`record` does nothing.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

TALLY_ENV = "GEO_HARDENING_TALLY"
CATEGORIES = (
    "hostile text",
    "broken data",
    "writers at once",
    "failing services",
    "tampered links",
    "property-based",
    "browser",
)


def record(
    category: str,
    *,
    inputs: int = 1,
    lost: int = 0,
    duplicated: int = 0,
    corrupted: int = 0,
    scripts: int = 0,
    test: str = "",
) -> None:
    """Append one line of figures for *category* to the tally file, if one is set."""
    if category not in CATEGORIES:
        raise ValueError(f"unknown hardening category {category!r}; one of {CATEGORIES}")
    target = os.environ.get(TALLY_ENV)
    if not target:
        return
    line = {
        "category": category,
        "inputs": inputs,
        "lost": lost,
        "duplicated": duplicated,
        "corrupted": corrupted,
        "scripts": scripts,
        "test": test or os.environ.get("PYTEST_CURRENT_TEST", "").split(" ")[0],
    }
    # One short write in append mode per line: lines from several processes do not interleave.
    with Path(target).open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(line) + "\n")
