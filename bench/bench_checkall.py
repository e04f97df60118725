"""Check all against the EWS sandbox with added latency: throughput against the bound, and CPU use.

    .venv/bin/python bench/bench_checkall.py [--per-slot N] [--latency S] [--levels 1,4,8,16]

For each concurrency level c, the sandbox organisation gets `per_slot × c` ordinary in-scope mailboxes
(added through `Sandbox.org`), each is linked, then check all runs through the real Exchange adapter with
`latency` seconds added to every EWS answer. Figures printed per run:

- throughput in probes/s, and as a fraction of the bound `c / (requests per probe × latency)` (the best a
  client limited to c probes at once can do when every request waits `latency`);
- CPU seconds (this process: the console *and* the in-process sandbox) per probe and as a share of one core;
- the same with 5% of the mailboxes throttled (ErrorServerBusy with a 500 ms back-off): retries, and that
  every throttled profile kept its status.

The issue's full figure uses `--per-slot 50`; the default of 10 keeps the run to a few minutes on two cores.
Prints figures only.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _add_mailboxes(sandbox, count: int, throttled_share: float, tag: str) -> tuple[list[str], set[str]]:
    from ec_console.sandbox.org import Behaviour, Mailbox

    org = sandbox.org
    wanted = max(1, round(count * throttled_share)) if throttled_share else 0
    picked = {round(k * count / wanted) + count // (2 * wanted) for k in range(wanted)} if wanted else set()
    addresses, throttled = [], set()
    with org.lock:
        for i in range(count):
            behaviour = Behaviour.THROTTLED if i in picked else Behaviour.NORMAL
            address = f"bench.{tag}.{i}@{org.domain}"
            box = Mailbox(
                address=address, display_name=f"Bench {tag} {i}", behaviour=behaviour, in_scope=True
            )
            box.folder_ids = {
                fid: f"AQMkAD{uuid.uuid4().hex}{fid[:4]}AAA=" for fid in ("root", "calendar", "msgfolderroot")
            }
            org.mailboxes[address] = box
            addresses.append(address)
            if behaviour is Behaviour.THROTTLED:
                throttled.add(address)
    return addresses, throttled


def _requests_per_probe(sandbox, settings: dict, password: str, mailbox: str) -> int:
    from ec_console.providers.exchange import ExchangeSettings, probe_mailbox

    before = len(sandbox.requests)
    probe_mailbox(ExchangeSettings(mailbox=mailbox, **settings), password, mailbox)
    return len(sandbox.requests) - before


def run_level(sandbox, info, level: int, per_slot: int, latency: float, throttled_share: float) -> dict:
    from ec_console import checkall
    from ec_console.checkall import ProbeJob, run_probes
    from ec_console.dashboard import ProfileRecorder
    from ec_console.providers.base import ExchangeAdapter
    from ec_console.registry import Registry

    tag = f"c{level}{'t' if throttled_share else ''}"
    addresses, throttled = _add_mailboxes(sandbox, per_slot * level, throttled_share, tag)
    with Registry.for_region(f"bench-{tag}") as registry:
        app = registry.add_application(
            "Bench",
            "exchange",
            info.domain,
            {"ews_url": info.ews_url, "username": info.username, "ca_file": info.ca_file, "timeout": 30},
        )
        registry.add_profiles(app.id, [(a, "") for a in addresses], status="linked")
        ctx = checkall.AppContext(app, ExchangeAdapter(), info.password)
        jobs = [ProbeJob(app.id, p.email, p.id) for p in registry.list_profiles()]
        sandbox.ews_server.latency = latency
        stats: dict = {}
        cpu0, wall0 = _cpu(), time.perf_counter()
        summary = run_probes(
            registry,
            jobs,
            {app.id: ctx},
            ProfileRecorder("check"),
            concurrency=level,
            policy=checkall.BackOffPolicy(max_retries=2),
            stats=stats,
        )
        wall, cpu = time.perf_counter() - wall0, _cpu() - cpu0
        sandbox.ews_server.latency = 0.0
        kept = all(registry.find_profile(app.id, a).status == "linked" for a in throttled)
    return {
        "level": level,
        "probes": len(jobs),
        "wall": wall,
        "cpu": cpu,
        "retries": summary.retries,
        "counts": summary.counts,
        "kept": kept,
        "throttled": len(throttled),
        "max_in_flight": max(stats["max_in_flight"].values()),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--per-slot", type=int, default=10, help="mailboxes per unit of concurrency (issue: 50)"
    )
    parser.add_argument("--latency", type=float, default=0.2, help="seconds added to every EWS answer")
    parser.add_argument("--levels", default="1,4,8,16", help="concurrency levels, comma separated")
    args = parser.parse_args(argv)
    levels = [int(x) for x in args.levels.split(",")]

    home = tempfile.mkdtemp(prefix="ec-bench-checkall-")
    os.environ["EC_CONSOLE_HOME"] = home
    import logging

    logging.disable(logging.INFO)
    from ec_console.sandbox import Sandbox

    with Sandbox() as sandbox:
        sandbox.org.throttle_back_off_ms = 500
        info = sandbox.info()
        settings = {"ews_url": info.ews_url, "username": info.username, "ca_file": info.ca_file}
        sandbox.ews_server.latency = args.latency
        per_probe = _requests_per_probe(sandbox, settings, info.password, info.mailbox_in_scope)
        sandbox.ews_server.latency = 0.0
        print(
            f"check all against the EWS sandbox: {args.latency * 1000:.0f} ms added per request, "
            f"{per_probe} EWS requests per probe, {args.per_slot} mailboxes per unit of concurrency, "
            f"{os.cpu_count()} CPUs; CPU figures include the in-process sandbox"
        )
        header = (
            f"{'run':<14}{'probes':>7}{'wall s':>8}{'probes/s':>10}{'bound/s':>9}{'fraction':>9}"
            f"{'CPU s':>8}{'CPU/probe ms':>13}{'cores':>7}{'in-flight':>10}{'retries':>8}  statuses"
        )
        print(header)
        for share in (0.0, 0.05):
            for level in levels:
                r = run_level(sandbox, info, level, args.per_slot, args.latency, share)
                rate = r["probes"] / r["wall"]
                bound = level / (per_probe * args.latency)
                name = f"c={level}" + (" 5% thr." if share else "")
                status = (
                    f"throttled kept status: {'yes' if r['kept'] else 'NO'} ({r['throttled']})"
                    if share
                    else ""
                )
                print(
                    f"{name:<14}{r['probes']:>7}{r['wall']:>8.1f}{rate:>10.2f}{bound:>9.2f}"
                    f"{rate / bound:>9.2f}{r['cpu']:>8.1f}{r['cpu'] / r['probes'] * 1000:>13.0f}"
                    f"{r['cpu'] / r['wall']:>7.2f}{r['max_in_flight']:>10}{r['retries']:>8}  {status}",
                    flush=True,
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
