"""Check-all claims benchmark (issue 15): what claiming costs a run before its first probe, on SQLite.

Builds a throw-away registry of N profiles and times `RunClaims.claim` of all of them (free, then all held by
another run: the second desktop's case), one renewal of the lease and the release. Figures only; nothing is
asserted.

    python bench/bench_check_claims.py [--profiles 100000]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from summary import report  # noqa: E402

from ec_console.registry import Registry  # noqa: E402
from ec_console.registry_claims import RunClaims  # noqa: E402


def run(count: int) -> int:
    with tempfile.TemporaryDirectory(prefix="ec-bench-") as folder:
        registry = Registry(Path(folder) / "registry-bench.sqlite3")
        app = registry.add_application("Bench", "exchange", "contoso.com", {})
        registry.add_profiles(app.id, [(f"user{i}@contoso.com", "") for i in range(count)])
        ids = registry.profile_ids()
        first = RunClaims(registry, "run-first", desktop=("alex", "helpdesk-07"))
        for label, claims in (("free", first),
                              ("all held by another run", RunClaims(registry, "run-second",
                                                                    desktop=("bea", "desk-2")))):
            start = time.perf_counter()
            got, held = claims.claim(ids)
            took = time.perf_counter() - start
            print(f"claim {count:,} profiles ({label}): {took:.2f} s "
                  f"({len(got):,} claimed, {sum(h.profiles for h in held):,} held elsewhere)")
            report(f"check-all claims: claim {count:,} profiles ({label})", f"{took:.2f} s", "", None)
        start = time.perf_counter()
        first.renew()
        print(f"renew the lease of {count:,} claims: {(time.perf_counter() - start) * 1000:.0f} ms")
        start = time.perf_counter()
        first.release()
        print(f"release {count:,} claims: {(time.perf_counter() - start) * 1000:.0f} ms")
        registry.close()
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profiles", type=int, default=100_000)
    return run(parser.parse_args().profiles)


if __name__ == "__main__":
    raise SystemExit(main())
