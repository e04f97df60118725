"""Check all over Microsoft 365 (Graph) mailboxes through JSON batching: HTTP requests per mailbox.

    .venv/bin/python bench/bench_graph_checkall.py [--mailboxes 400] [--latency 0.2] [--concurrency 4]
                                                   [--throttled N]

Starts the Graph sandbox (`GraphSandbox(bulk_members=N)`) with `latency` seconds added to every answer of
both its servers (sign-in and Graph), adds one Graph application (the RBAC-scoped one, client secret)
through `dashboard.add_application`, links the `N` bulk mailboxes (recorded as linked directly, so only
check all is measured), then runs `checkall.check_all` through the real `GraphAdapter` and counts, in the
sandbox's request log, the HTTP requests the run sent: token requests to the sign-in server, `$batch`
requests and any other request to Graph. `--throttled N` makes N of the mailboxes answer one inner 429
(`Retry-After: 1`) each, to show that only those are sent again. Prints figures only.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mailboxes", type=int, default=400)
    parser.add_argument("--latency", type=float, default=0.2, help="seconds added to every answer")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--throttled", type=int, default=0, help="mailboxes that answer one 429 each")
    args = parser.parse_args(argv)

    home = tempfile.mkdtemp(prefix="ec-bench-graph-")
    os.environ["EC_CONSOLE_HOME"] = home
    os.environ["EC_CONSOLE_CREDENTIAL_STORE"] = "memory"
    from ec_console import checkall, dashboard
    from ec_console.registry import Registry
    from ec_console.sandbox.graph import GraphSandbox
    from ec_console.secrets import MemoryStore

    with GraphSandbox(bulk_members=args.mailboxes) as sandbox, Registry.for_region("us") as registry:
        info = sandbox.info()
        store = MemoryStore()
        settings = {"tenant_id": info.tenant_id, "client_id": info.client_id, "authority": info.authority,
                    "graph_url": info.graph_url, "ca_file": info.ca_file,
                    "scope_group": info.scope_group_address, "scope_group_address": info.scope_group_address}
        spec = dashboard.ApplicationSpec("Bench M365", "graph", info.tenant_domain, settings,
                                         info.mailbox_in_scope)
        app = dashboard.add_application(registry, spec, info.client_secret, store=store).application
        assert app is not None, "the setup check failed"
        members = [f"member{n:04d}@{info.tenant_domain}" for n in range(1, args.mailboxes + 1)]
        with registry.transaction():
            for email in members:
                registry.add_profile(app.id, email, status="linked")
        for email in members[:: max(1, len(members) // args.throttled)][: args.throttled] if args.throttled \
                else []:
            sandbox.throttle(email, times=1, retry_after=1)
        sandbox.latency = args.latency
        sandbox.requests.clear()
        started = time.perf_counter()
        plan, summary = checkall.check_all(registry, store=store, concurrency=args.concurrency)
        elapsed = time.perf_counter() - started
        logged = sandbox.requests.all()
        tokens = [r for r in logged if r.server == "graph-login"]
        batches = [r for r in logged if r.server == "graph" and r.notes.get("endpoint") == "batch"]
        others = [r for r in logged if r.server == "graph" and r.notes.get("endpoint") != "batch"]
        inner = sum(len(b.notes.get("items") or []) for b in batches)
        passed = sum(1 for e in members if registry.find_profile(app.id, e).last_result == "pass")

    total = len(tokens) + len(batches) + len(others)
    print(f"Graph check all: {args.mailboxes} mailboxes, {args.latency * 1000:.0f} ms added latency, "
          f"concurrency {args.concurrency}")
    print(f"  HTTP requests: {total} ({len(tokens)} sign-in, {len(batches)} $batch, {len(others)} other)")
    print(f"  requests per mailbox: {total / args.mailboxes:.4f} "
          f"(one request per {args.mailboxes / max(1, total - len(tokens)):.1f} mailboxes, token aside)")
    print(f"  batch items: {inner} ({inner - args.mailboxes} sent again after an inner 429)")
    print(f"  passed: {passed}/{args.mailboxes}; wall time {elapsed:.1f} s "
          f"({args.mailboxes / elapsed:.0f} mailboxes/s); profiles total {summary.total}")
    from summary import report  # `make bench`'s closing table

    per_batch = args.mailboxes / max(1, total - len(tokens))
    report(f"Graph check all, {args.mailboxes} mailboxes: mailboxes per request, token aside",
           f"{per_batch:.1f}", "about 20 ($batch of 20)", per_batch >= 19)
    report(f"Graph check all, {args.mailboxes} mailboxes: passed", f"{passed}/{args.mailboxes}",
           f"{args.mailboxes}/{args.mailboxes}", passed == args.mailboxes)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
