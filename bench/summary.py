"""One line per figure for `make bench`'s closing table: `report(name, figure, target, met)`.

A benchmark script calls `report` beside the line it prints for a person (what it prints is unchanged).
When `bench/run_all.py` runs the script it names a file in `EC_BENCH_SUMMARY`; `report` appends one JSON
object a line to it, and run_all prints every figure beside its target, met or not, at the end. Run on its
own (no `EC_BENCH_SUMMARY`), a script writes nothing extra.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

SUMMARY_ENV = "EC_BENCH_SUMMARY"


def report(name: str, figure: str, target: str, met: bool | None) -> None:
    """Record one figure: what was measured (`name`), the figure as printed, the target, and whether the
    target is met (None: no target to judge, e.g. a figure shown for context)."""
    path = os.environ.get(SUMMARY_ENV)
    if not path:
        return
    line = json.dumps({"name": name, "figure": figure, "target": target, "met": met}, ensure_ascii=False)
    with Path(path).open("a", encoding="utf-8") as out:
        out.write(line + "\n")


def read(path: Path) -> list[dict]:
    """The figures a run recorded, in order (lines that are not a figure are skipped)."""
    if not path.is_file():
        return []
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            row = json.loads(line)
        except ValueError:
            continue
        if isinstance(row, dict) and {"name", "figure", "target", "met"} <= row.keys():
            rows.append(row)
    return rows


def table(rows: list[tuple[str, dict]]) -> list[str]:
    """(script, figure) pairs as the lines of a plain-text table: figure beside target, met or not."""
    verdicts = {True: "met", False: "NOT met", None: "-"}
    head = ("benchmark", "figure", "target", "")
    body = [(f"{script}: {row['name']}", str(row["figure"]), str(row["target"]),
             verdicts.get(row["met"], "-")) for script, row in rows]
    widths = [max(len(r[i]) for r in [head, *body]) for i in range(3)]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(head, [*widths, 0], strict=True)).rstrip()]
    lines.append("  ".join("-" * width for width in [*widths, 7]))
    lines += ["  ".join(cell.ljust(width) for cell, width in zip(r, [*widths, 0], strict=True)).rstrip()
              for r in body]
    return lines
