"""Make a sample registry of N fictional profiles in seconds, to open in the console or benchmark it.

    python bench/make_sample_registry.py --profiles 1000000 --home DIR [--region us]
    EC_CONSOLE_HOME=DIR make run

The applications are the sample organisation's (`ec_console.ui.sample_data`); the profiles are spread
over them 6:3:1, about 92% checked (7% failed and needing a relink, 5% passed with warnings), and the
third application is revoked with its profiles. Rows go in through `Registry.bulk_load_profiles`: one
transaction, validated in bulk, the indexes, search index and counts built once at the end.
Refuses a DIR that already holds a registry for the region (nothing is overwritten).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def sample_rows(app_ids: list[int], domains: list[str], profiles: int, *, seed: int = 7,
                revoked_app: int | None = None) -> Iterator[tuple]:
    """(application_id, email, name, status, checked_at, result, diagnosis) rows, deterministic."""
    from ec_console.ui.sample_data import _DIAGNOSES, _FIRST, _LAST

    rng = random.Random(seed)
    now = datetime.now(UTC).replace(microsecond=0)
    fold = str.maketrans("éëöüäí", "eeouai")
    weights = [6, 3, 1][: len(app_ids)]
    picks = rng.choices(range(len(app_ids)), weights=weights, k=profiles)
    times: dict[int, str] = {}  # minutes ago -> registry time (8,640 of them, formatted once each)
    for n, which in enumerate(picks):
        first, last = rng.choice(_FIRST), rng.choice(_LAST)
        app_id = app_ids[which]
        email = f"{f'{first}.{last}.{n}'.lower().translate(fold)}@{domains[which]}"
        status, checked, result, diagnosis = "linked", None, None, None
        if rng.random() >= 0.08:
            ago = rng.randint(5, 60 * 24 * 6)
            checked = times.get(ago)
            if checked is None:
                checked = times[ago] = (now - timedelta(minutes=ago)).strftime("%Y-%m-%dT%H:%M:%SZ")
            roll = rng.random()
            if roll < 0.07:
                status, result, diagnosis = "needs_relink", "fail", rng.choice(_DIAGNOSES)
            else:
                result = "warn" if roll < 0.12 else "pass"
        if app_id == revoked_app:
            status = "revoked"
        yield app_id, email, f"{first} {last}", status, checked, result, diagnosis


def make_sample_registry(registry, region_id: str, profiles: int) -> int:
    """Add the sample applications and `profiles` profiles to an empty `registry`; returns rows added."""
    from ec_console.ui.sample_data import APPLICATIONS

    apps = [registry.add_application(name, provider, domain, {"sample": True})
            for name, provider, domain in APPLICATIONS.get(region_id, APPLICATIONS["us"])]
    revoked = apps[-1].id if len(apps) > 2 else None
    added = registry.bulk_load_profiles(sample_rows([a.id for a in apps], [a.domain for a in apps], profiles,
                                                    revoked_app=revoked))
    if revoked is not None:
        registry.update_application(revoked, status="revoked")
    return added


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profiles", type=int, default=1_000_000, help="how many (default 1,000,000)")
    parser.add_argument("--home", required=True, help="the EC_CONSOLE_HOME folder to write the registry in")
    parser.add_argument("--region", default="us", help="region id (default us)")
    args = parser.parse_args()
    if args.profiles < 0:
        parser.error("--profiles must not be negative")
    os.environ["EC_CONSOLE_HOME"] = str(Path(args.home).resolve())

    from ec_console.errors import ConsoleError
    from ec_console.registry import Registry

    try:
        path = Registry.path_for_region(args.region)
        if path.exists():
            print(f"{path} already exists; choose an empty --home folder", file=sys.stderr)
            return 2
        start = time.perf_counter()
        with Registry.for_region(args.region) as registry:
            added = make_sample_registry(registry, args.region, args.profiles)
    except ConsoleError as exc:
        print(exc, file=sys.stderr)
        return 2
    seconds = time.perf_counter() - start
    print(f"{added:,} profiles in {path} ({seconds:.1f} s, {path.stat().st_size / 2**20:.0f} MiB)")
    print(f"Open it with: EC_CONSOLE_HOME={Path(args.home).resolve()} make run")
    return 0


if __name__ == "__main__":
    sys.exit(main())
