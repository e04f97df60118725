"""`ec-console registry migrate` at 100,000 profiles: a SQLite registry copied into PostgreSQL, compared row
by row, its audit chain verified there.

Builds a throw-away SQLite registry (bench_registry.populate: four applications, 100,000 real-looking
profiles with statuses and check times; plus `--audit` chained audit entries), starts a throw-away
PostgreSQL cluster (tests/pg_cluster.py, reached over its unix socket on the same machine), initialises a
registry there and runs the command's copy (`registry_copy.copy_registry`, as `registry migrate` does),
then times its comparison and the audit verification once more on their own. Prints every table's rows and
whether everything verified (exit 1 if not). Figures only; nothing is asserted.

    python bench/bench_registry_migrate.py [--profiles 100000] [--audit 10000]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "bench")]

from bench_registry import populate  # noqa: E402
from summary import report  # noqa: E402

from ec_console import registry_copy as rc  # noqa: E402
from ec_console import registry_pg as pg  # noqa: E402
from ec_console.registry import Registry  # noqa: E402


def build(path: Path, profiles: int, audit: int) -> None:
    registry = Registry(path)
    populate(registry, profiles)
    with registry.transaction() as conn:
        # A check for every tenth profile, as check all leaves them.
        conn.execute("INSERT INTO checks (profile_id, application_id, kind, result, report, created_at) "
                     "SELECT id, application_id, 'check', COALESCE(last_result, 'pass'), '{}', "
                     "COALESCE(last_checked_at, created_at) FROM profiles WHERE id % 10 = 0")
        for i in range(audit):
            registry.audit("profile_linked" if i % 3 else "check_all_finished", f"user{i}@contoso.example",
                           f"linked through Contoso EWS: passed; mailbox answered ({i})")
    registry.close()


def run(profiles: int, audit: int) -> int:
    import pg_cluster

    with pg_cluster.started_cluster("ec_bench_migrate") as cluster:
        if cluster is None:
            return 0
        with tempfile.TemporaryDirectory(prefix="ec-bench-") as folder:
            path = Path(folder) / "registry-bench.sqlite3"
            start = time.perf_counter()
            build(path, profiles, audit)
            built = time.perf_counter() - start
            conn = pg.connect(cluster.url("ec_bench_migrate"), autocommit=True)
            source = rc.open_source(path)
            mark = rc.source_mark("bench", source)
            start = time.perf_counter()
            result = rc.copy_registry(source, conn, mark)
            whole = time.perf_counter() - start
            start = time.perf_counter()
            differences, more = rc.compare(source, conn)
            compared = time.perf_counter() - start
            start = time.perf_counter()
            chain = pg.verify_audit(conn)
            verified = time.perf_counter() - start
            source.close()
            conn.close()
    rows = sum(t.rows for t in result.tables)
    print(f"registry migrate benchmark: {profiles:,} profiles, {audit:,} audit entries, {os.cpu_count()} "
          f"CPU(s), Python {sys.version.split()[0]}, SQLite {__import__('sqlite3').sqlite_version}, "
          f"PostgreSQL over a unix socket on the same machine (sample registry built in {built:.1f} s)")
    for t in result.tables:
        print(f"  {t.table:<24}{t.rows:>9,} rows")
    print(f"registry migrate, whole (copy in batches of {rc.DEFAULT_BATCH:,} + counts, head, sequences, "
          f"GIN pending list, VACUUM ANALYZE + row-by-row comparison + audit verify): {whole:.2f} s for "
          f"{rows:,} rows")
    print(f"  of which the row-by-row comparison (every table, every column): {compared:.2f} s")
    print(f"  of which the audit chain's verification on PostgreSQL: {verified:.2f} s")
    print(f"  so the copy itself: {whole - compared - verified:.2f} s")
    ok = result.verified and not differences and not more and chain.verified and chain.entries == audit
    print(f"every row the same and the audit chain verified ({chain.entries:,} entries): "
          f"{'yes' if ok else 'NO'}")
    report(f"registry migrate: {profiles:,} profiles, {audit:,} audit entries into PostgreSQL, compared and "
           "verified", f"{whole:.1f} s, {'every row the same, chain verified' if ok else 'NOT the same'}",
           "every row and the chain intact", ok)
    return 0 if ok else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profiles", type=int, default=100_000)
    parser.add_argument("--audit", type=int, default=10_000)
    args = parser.parse_args(argv)
    return run(args.profiles, args.audit)


if __name__ == "__main__":
    sys.exit(main())
