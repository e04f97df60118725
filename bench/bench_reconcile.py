"""Reconcile a Microsoft 365 (Graph) application: time and HTTP requests per part of the work.

    .venv/bin/python bench/bench_reconcile.py [--members 400] [--outsiders 600] [--samples 20,100,1000]
                                              [--latency 0.2]

Starts the Graph sandbox with `--members` bulk members in the scoping group and adds `--outsiders` users
outside it, links every member (recorded as linked directly), makes one outsider reachable (a leak), then
runs `reconcile.reconcile` once per sample size with `latency` seconds added to every answer. For each run it
prints the wall time and, from the sandbox's request log, the requests sent: the scope (`/groups` and its
`members` pages), the directory (`/users` pages), `$batch` requests (the probes of the linked profiles and of
the sample) and token requests. The ratio that matters is requests per probed account (batches of 20).
Prints figures only; the machine is shared and noisy.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=400)
    parser.add_argument("--outsiders", type=int, default=600)
    parser.add_argument("--samples", default="20,100,1000")
    parser.add_argument("--latency", type=float, default=0.2, help="seconds added to every answer")
    args = parser.parse_args(argv)

    os.environ["EC_CONSOLE_HOME"] = tempfile.mkdtemp(prefix="ec-bench-reconcile-")
    os.environ["EC_CONSOLE_CREDENTIAL_STORE"] = "memory"
    import datetime as dt

    from ec_console import reconcile
    from ec_console.registry import Registry
    from ec_console.sandbox.graph import GraphSandbox
    from ec_console.sandbox.graph.tenant import User
    from ec_console.secrets import MemoryStore, secret_key

    with GraphSandbox(bulk_members=args.members) as sandbox, Registry.for_region("us") as registry:
        info = sandbox.info()
        tenant = sandbox.tenant
        start = dt.datetime.now(dt.UTC)
        for n in range(args.outsiders):
            tenant._add(User(f"outsider{n:04d}@{info.tenant_domain}", f"Outsider {n}", in_scope=False), start)
        tenant.leak(f"outsider0007@{info.tenant_domain}")
        store = MemoryStore()
        settings = {"tenant_id": info.tenant_id, "client_id": info.client_id, "authority": info.authority,
                    "graph_url": info.graph_url, "ca_file": info.ca_file,
                    "scope_group": info.scope_group_address, "scope_group_address": info.scope_group_address}
        app = registry.add_application("Bench M365", "graph", info.tenant_domain, settings)
        store.set(secret_key("us", app.name, "client_secret"), info.client_secret)
        members = [f"member{n:04d}@{info.tenant_domain}" for n in range(1, args.members + 1)]
        registry.add_profiles(app.id, [(e, "") for e in members], status="linked")
        sandbox.latency = args.latency
        print(f"{args.members} members linked, {len(tenant.users) - len(tenant.group.members)} users outside "
              f"the group, latency {args.latency} s")
        print("sample  probed  seconds  scope  directory  batches  tokens  requests/probed  leaks")
        for size in (int(s) for s in args.samples.split(",")):
            sandbox.requests.clear()
            began = time.perf_counter()
            rec = reconcile.reconcile(registry, app, sample=size, store=store, rng=random.Random(size))
            took = time.perf_counter() - began
            kinds = Counter(r.notes.get("endpoint") for r in sandbox.requests.all())
            batches = sum(1 for r in sandbox.requests.all() if r.path.endswith("/$batch"))
            tokens = sum(1 for r in sandbox.requests.all() if r.path.endswith("/token"))
            probed = len(members) + len(rec.sample)
            scope = kinds.get("members", 0) + kinds.get("groups", 0)
            print(f"{size:>6}  {probed:>6}  {took:>7.2f}  {scope:>5}  {kinds.get('users', 0):>9}  "
                  f"{batches:>7}  {tokens:>6}  {len(sandbox.requests.all()) / probed:>15.3f}  "
                  f"{len(rec.of('leak')):>5}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
