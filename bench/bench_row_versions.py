"""Row versions (no lost updates between consoles): what the version trigger costs a check run's writes.

Builds a throw-away registry (never the user's) with `--profiles` profiles (20,000 by default) and records
one check result on every profile (`Registry.record_profile_check`, what check all does for each probe),
batched in transactions of `--batch` as check all's writer does: once with the version triggers, once on a
copy of the same file with them dropped; paired rounds, best of each, ratio printed (the machine is noisy).
Figures only; nothing is asserted. See docs/benchmarks.md.

    python bench/bench_row_versions.py [--profiles 20000] [--batch 200] [--rounds 3]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from summary import report  # noqa: E402

from ec_console.registry import Registry  # noqa: E402


def build(path: Path, profiles: int) -> list[int]:
    with Registry(path) as registry:
        app = registry.add_application("Bench", "exchange", "bench.example", {"ews_url": "https://x/ews"})
        registry.add_profiles(app.id, ((f"user{i}@bench.example", f"User {i}") for i in range(profiles)))
        return registry.profile_ids()


def record_all(path: Path, ids: list[int], batch: int) -> float:
    with Registry(path) as registry:
        start = time.perf_counter()
        for offset in range(0, len(ids), batch):
            with registry.transaction():
                for profile_id in ids[offset:offset + batch]:
                    registry.record_profile_check(profile_id, result="pass", status="linked")
        return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profiles", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as home:
        os.environ["EC_CONSOLE_HOME"] = home
        print(f"sqlite {sqlite3.sqlite_version}, {os.cpu_count()} cores (shared, noisy machine)")
        with_path = Path(home) / "with-versions.sqlite3"
        without_path = Path(home) / "without-versions.sqlite3"
        ids = build(with_path, args.profiles)
        shutil.copy(with_path, without_path)
        conn = sqlite3.connect(without_path)
        conn.execute("DROP TRIGGER profiles_version")
        conn.execute("DROP TRIGGER applications_version")
        conn.commit()
        conn.close()
        with_versions, without_versions = [], []
        for _ in range(args.rounds):
            with_versions.append(record_all(with_path, ids, args.batch))
            without_versions.append(record_all(without_path, ids, args.batch))
        best_with, best_without = min(with_versions), min(without_versions)
        per_with = best_with / len(ids) * 1e6
        per_without = best_without / len(ids) * 1e6
        print(f"{len(ids):,} check results in batches of {args.batch}: {best_with:.2f} s with the version "
              f"trigger ({per_with:.0f} µs each), {best_without:.2f} s without ({per_without:.0f} µs each); "
              f"ratio {best_with / best_without:.2f}")
        report(f"row versions: {len(ids):,} check results recorded, with / without the version trigger",
               f"{best_with:.2f} / {best_without:.2f} s (ratio {best_with / best_without:.2f})", "", None)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
