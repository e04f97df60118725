"""Registry benchmark: the profile table's queries at 100,000 profiles (or `--profiles N`).

Builds a throw-away registry in a temporary folder (never the user's), then prints the best of N runs
of each query the dashboard makes. Figures only; nothing is asserted. See docs/registry.md.

    python bench/bench_registry.py [--profiles 100000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ec_console.registry import PROFILE_SORT_COLUMNS, ProfileQuery, Registry  # noqa: E402

_FIRST = ["Ada", "Bob", "Carol", "Dan", "Eve", "Frank", "Grace", "Heidi", "Ivan", "Judy", "Jörg", "Zoë",
          "Mallory", "Niaj", "Olivia", "Peggy", "Rupert", "Sybil", "Trent", "Victor", "Walter", "Åsa"]
_LAST = ["Lovelace", "Builder", "Shannon", "Müller", "Smith", "Nguyen", "García", "O'Brien", "Kowalski",
         "Schmidt", "Okafor", "Tanaka", "Dubois", "Rossi", "Jensen", "Novák", "Silva", "Khan", "Cohen"]
_APPS = [("Calendar sync", "exchange"), ("Room finder", "google"), ("Scheduling", "exchange"),
         ("Travel desk", "google")]


def best_of(repeat: int, fn: Callable[[], Any]) -> tuple[float, Any]:
    """Best wall time of `repeat` runs, in milliseconds, and the last result."""
    best = float("inf")
    result: Any = None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best * 1000, result


def populate(registry: Registry, count: int, seed: int = 7) -> tuple[float, float]:
    """Insert `count` profiles across the applications and spread their statuses and check results.

    Returns the seconds `add_profiles` took and the seconds the one UPDATE of every row took."""
    rng = random.Random(seed)
    start = time.perf_counter()
    with registry.transaction() as conn:
        app_ids = [registry.add_application(name, kind, "contoso.example").id for name, kind in _APPS]
        share, extra = divmod(count, len(app_ids))
        per_app = [share + (1 if i < extra else 0) for i in range(len(app_ids))]
        serial = 0
        for app_id, n in zip(app_ids, per_app, strict=True):
            rows = []
            for _ in range(n):
                first, last = rng.choice(_FIRST), rng.choice(_LAST)
                rows.append((f"{first.lower()}.{last.lower().replace(chr(39), '')}{serial}@contoso.example",
                             f"{first} {last}"))
                serial += 1
            registry.add_profiles(app_id, rows)
        linked = time.perf_counter() - start
        # Give the table the spread a real one has: statuses, check times and results.
        conn.execute("""UPDATE profiles SET
            status = CASE WHEN id % 20 = 0 THEN 'needs_relink' WHEN id % 50 = 1 THEN 'revoked'
                ELSE 'linked' END,
            last_checked_at = CASE WHEN id % 7 = 0 THEN NULL
                ELSE strftime('%Y-%m-%dT%H:%M:%SZ', 1790000000 + (id * 7919) % 2592000, 'unixepoch') END,
            last_result = CASE WHEN id % 7 = 0 THEN NULL WHEN id % 20 = 0 THEN 'fail'
                WHEN id % 13 = 0 THEN 'warn' ELSE 'pass' END""")
    return linked, time.perf_counter() - start - linked


def run(count: int, repeat: int) -> None:
    with tempfile.TemporaryDirectory(prefix="ec-bench-") as folder:
        path = Path(folder) / "registry-bench.sqlite3"
        with Registry(path) as registry:
            seconds, spread = populate(registry, count)
        rows: list[tuple[str, float, str]] = []

        def opened() -> None:
            Registry(path).close()

        ms, _ = best_of(repeat, opened)
        rows.append(("open (schema check, WAL, pragmas)", ms, ""))
        with Registry(path) as registry:
            for column in PROFILE_SORT_COLUMNS:
                for descending in (False, True):
                    query = ProfileQuery(sort=column, descending=descending)
                    ms, ids = best_of(repeat, lambda q=query: registry.profile_ids(q))
                    rows.append((f"profile_ids sort={column}{' desc' if descending else ''}", ms,
                                 f"{len(ids):,} ids"))
            for label, query in [
                ("search selective 'walter.novák12'", ProfileQuery(search="walter.novák12")),
                ("search broad 'mü'", ProfileQuery(search="mü")),
                ("search broad 'contoso' (all match)", ProfileQuery(search="contoso")),
                ("search 'zzz' (no match)", ProfileQuery(search="zzz")),
                ("status=needs_relink", ProfileQuery(status="needs_relink")),
                ("status=linked sort=last_checked_at", ProfileQuery(status="linked", sort="last_checked_at")),
                ("application=2 sort=email", ProfileQuery(application_id=2)),
                ("application=2 + search 'smith'", ProfileQuery(application_id=2, search="smith")),
            ]:
                ms, ids = best_of(repeat, lambda q=query: registry.profile_ids(q))
                rows.append((f"profile_ids {label}", ms, f"{len(ids):,} ids"))
            rows += search_paths(registry, repeat)
            ms, _ = best_of(1, lambda: rebuild_search_index(registry))
            rows.append(("search index rebuilt (what migration 4 does)", ms, "one transaction"))
            all_ids = registry.profile_ids(ProfileQuery())
            middle = all_ids[len(all_ids) // 2: len(all_ids) // 2 + 100]
            ms, page = best_of(repeat, lambda: registry.profiles_by_ids(middle))
            rows.append(("profiles_by_ids (100-row page)", ms, f"{len(page)} rows"))
            ms, page = best_of(repeat, lambda: registry.list_profiles(ProfileQuery(), limit=100,
                                                                       offset=len(all_ids) // 2))
            rows.append(("list_profiles limit 100, offset middle", ms, f"{len(page)} rows"))
            ms, total = best_of(repeat, registry.count_profiles)
            rows.append(("count_profiles", ms, f"{total:,}"))
            ms, total = best_of(repeat, lambda: registry.count_profiles(ProfileQuery(search="mü")))
            rows.append(("count_profiles search 'mü'", ms, f"{total:,}"))
            ms, apps = best_of(repeat, registry.list_applications)
            rows.append(("list_applications (with counts)", ms, f"{len(apps)} apps"))
            ms, _ = best_of(repeat, registry.status_counts)
            rows.append(("status_counts", ms, ""))
            probe_id = all_ids[0]

            def unit_of_work() -> None:
                with registry.transaction():
                    registry.record_profile_check(probe_id, result="pass", status="linked")
                    registry.record_check(kind="check", result="pass", report={"steps": []},
                                          profile_id=probe_id)
                    registry.audit("profile_check", f"profile:{probe_id}", "pass")

            ms, _ = best_of(repeat, unit_of_work)
            rows.append(("unit of work (profile + check + audit)", ms, "one transaction"))
        size = sum(f.stat().st_size for f in Path(folder).iterdir())
    print_report(count, seconds, spread, size, repeat, rows)


_NEEDLES = ("a", "ad", "ada", "ada.l", "smith", "mü", "müller", "contoso", "walter.novák12", "zzz")


def search_paths(registry: Registry, repeat: int) -> list[tuple[str, float, str]]:
    """`profile_ids` for each needle through the trigram index and through the LIKE scan (same rows)."""
    rows: list[tuple[str, float, str]] = []
    index_built = registry.search_index
    if not index_built:
        rows.append(("(no trigram index in this SQLite: LIKE scan only)", 0.0, ""))
    for needle in _NEEDLES:
        found: dict[bool, list[int]] = {}
        query = ProfileQuery(search=needle)
        for use_index in (True, False) if registry.search_index and len(needle) >= 3 else (False,):
            registry._search_index = use_index  # noqa: SLF001 - the bench compares both paths on one file
            path = ("index" if registry._narrow_by_index(query) else "scan, chosen") if use_index else "scan"  # noqa: SLF001
            ms, found[use_index] = best_of(repeat, lambda q=query: registry.profile_ids(q))
            rows.append((f"search {needle!r:16} ({path})", ms, f"{len(found[use_index]):,} ids"))
        registry._search_index = index_built  # noqa: SLF001
        if len(found) == 2 and found[True] != found[False]:
            raise SystemExit(f"the two search paths disagree for {needle!r}")
    return rows


def rebuild_search_index(registry: Registry) -> None:
    if registry.search_index:
        with registry.transaction() as conn:
            conn.execute("INSERT INTO profiles_search (profiles_search) VALUES ('rebuild')")


def print_report(count: int, seconds: float, spread: float, size: int, repeat: int,
                 rows: list[tuple[str, float, str]]) -> None:
    cpus = os.cpu_count() or 0
    print(f"Registry benchmark: {count:,} profiles, best of {repeat}, {cpus} CPU(s), "
          f"Python {sys.version.split()[0]}, SQLite {__import__('sqlite3').sqlite_version}")
    print(f"bulk insert (add_profiles): {seconds:.2f} s ({count / seconds:,.0f} profiles/s); "
          f"one UPDATE of every row: {spread:.2f} s; file size {size / 1_048_576:.1f} MiB")
    from summary import report  # `make bench`'s closing table

    million = seconds / count * 1_000_000
    report(f"bulk insert of {count:,} profiles, projected to 1,000,000", f"{million:.0f} s",
           "seconds, not minutes (< 60 s)", million < 60)
    width = max(len(r[0]) for r in rows)
    print(f"{'operation'.ljust(width)}  {'ms':>9}  result")
    print(f"{'-' * width}  {'-' * 9}  {'-' * 14}")
    for label, ms, note in rows:
        print(f"{label.ljust(width)}  {ms:9.2f}  {note}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profiles", type=int, default=100_000, help="profiles to create (default 100000)")
    parser.add_argument("--repeat", type=int, default=5, help="runs per figure, the best shown (default 5)")
    args = parser.parse_args(argv)
    if args.profiles < 1 or args.repeat < 1:
        parser.error("--profiles and --repeat must be at least 1")
    run(args.profiles, args.repeat)
    return 0


if __name__ == "__main__":
    sys.exit(main())
