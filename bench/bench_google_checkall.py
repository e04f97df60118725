"""Google bulk probe session: requests per user and the fraction of the bound, with added latency.

    .venv/bin/python bench/bench_google_checkall.py [--per-thread 50] [--latency 0.2] [--concurrency 1 4 8 16]

Starts the Google sandbox in its own process (its work must not share the console's interpreter lock, as
Google's servers do not) with `latency` seconds added to every answer (token endpoint and APIs alike), adds
`per-thread × concurrency` ordinary users to its organisation, then probes them all through the real
`GoogleAdapter.probe_session` as check all's engine does: told the run's accounts (`expect`), `concurrency`
worker threads take the accounts in order and probe each. It counts in the sandbox's request log the token
requests and the batch requests, and prints requests per user and the fraction of the bound
`c / ((1 + 1/batch) × latency)` (each user costs its token request, and `1/batch` of one batch request;
`batch` is the users per batch request the run used). The registry is not involved (see bench_checkall.py
for the engine's own overhead). Prints figures only.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import queue
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _sandbox(conn: Any, users: int) -> None:
    """The Google sandbox with `users` more ordinary users, driven through `conn` (its own process, so that
    its work does not share the console's interpreter lock, as Google's servers do not)."""
    import datetime as dt

    from ec_console.sandbox.google.org import _user
    from ec_console.sandbox.google.sandbox import GoogleSandbox

    with GoogleSandbox(Path(tempfile.mkdtemp(prefix="ec-bench-google-box-"))) as box:
        info = box.info()
        today = dt.datetime.now(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        with box.state.lock:
            for n in range(users):
                user = _user(f"bench{n:05d}@{info.domain}", "Bench", f"User{n}", n, today)
                box.org.users[user.primary_email] = user
        conn.send({"domain": info.domain, "admin": info.admin_email, "api_root": info.api_root,
                   "ca_file": info.ca_file, "key_file": info.key_file})
        while True:
            command, value = conn.recv()
            if command == "latency":
                box.latency = value
            elif command == "clear":
                box.requests.clear()
            elif command == "counts":
                logged = box.requests.all()
                conn.send({
                    "tokens": sum(1 for r in logged if r.notes.get("endpoint") == "token"),
                    "batches": sum(1 for r in logged if r.notes.get("endpoint") == "batch"),
                    "others": sum(1 for r in logged if not r.notes.get("batch")
                                  and r.notes.get("endpoint") not in ("token", "batch")),
                })
            else:
                return


def run(conn: Any, info: dict[str, str], emails: list[str], concurrency: int,
        latency: float, plain: bool = False) -> dict[str, float]:
    from ec_console.checks import CancelToken
    from ec_console.providers.base import GoogleAdapter, ProbeKind

    application = type("Bench", (), {})()
    application.name, application.provider, application.domain = "Bench Google", "google", info["domain"]
    application.settings = {"admin": info["admin"], "api_root": info["api_root"], "ca_file": info["ca_file"],
                            "timeout": 30}
    secret = Path(info["key_file"]).read_text()
    adapter = GoogleAdapter()
    session = adapter.probe_session(application, secret, concurrency=concurrency)
    if plain:  # the probe of one account on its own, as check all made it before the session
        session.close()
        session = type("Plain", (), {})()
        session.probe = lambda email, cancel: adapter.probe(application, secret, email, cancel)
        session.expect = session.close = lambda *args: None
    jobs: queue.Queue[str] = queue.Queue()
    for email in emails:
        jobs.put(email)
    ok = []
    cancel = CancelToken()

    def work() -> None:
        while True:
            try:
                email = jobs.get_nowait()
            except queue.Empty:
                return
            ok.append(session.probe(email, cancel).kind is ProbeKind.OK)

    conn.send(("latency", latency))
    conn.send(("clear", None))
    started = time.perf_counter()
    cpu = time.process_time()
    session.expect(emails)
    threads = [threading.Thread(target=work) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu
    session.close()
    conn.send(("latency", 0.0))
    conn.send(("counts", None))
    counts = conn.recv()
    users = len(emails)
    per_batch = users / max(1, counts["batches"])
    bound = concurrency / ((1 + 1 / per_batch) * latency)
    return {"users": users, "ok": sum(ok), **counts, "elapsed": elapsed, "rate": users / elapsed,
            "bound": bound, "per_batch": per_batch, "cpu_ms": cpu / users * 1000}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-thread", type=int, default=50, help="users per unit of concurrency")
    parser.add_argument("--latency", type=float, default=0.2, help="seconds added to every answer")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 4, 8, 16])
    parser.add_argument("--plain", action="store_true",
                        help="probe each account on its own (no session), for comparison")
    args = parser.parse_args(argv)

    os.environ.setdefault("EC_CONSOLE_HOME", tempfile.mkdtemp(prefix="ec-bench-google-"))
    most = args.per_thread * max(args.concurrency)
    parent, child = multiprocessing.Pipe()
    server = multiprocessing.get_context("spawn").Process(target=_sandbox, args=(child, most), daemon=True)
    server.start()
    try:
        info = parent.recv()
        print(f"Google bulk probe session: {args.per_thread} users per unit of concurrency, "
              f"{args.latency * 1000:.0f} ms added latency (sandbox in its own process)"
              + (" — each account probed on its own, no session" if args.plain else ""))
        print("   c  users  ok  token  batch  other  req/user  users/batch  users/s  bound/s  of bound  "
              "console CPU/user")
        for c in args.concurrency:
            emails = [f"bench{n:05d}@{info['domain']}" for n in range(args.per_thread * c)]
            f = run(parent, info, emails, c, args.latency, args.plain)
            total = f["tokens"] + f["batches"] + f["others"]
            print(f"  {c:2d}  {f['users']:5.0f} {f['ok']:4.0f} {f['tokens']:6.0f} {f['batches']:6.0f} "
                  f"{f['others']:6.0f}  {total / f['users']:8.3f}  {f['per_batch']:11.1f}  {f['rate']:7.1f}  "
                  f"{f['bound']:7.1f}  {f['rate'] / f['bound']:8.2f}  {f['cpu_ms']:6.1f} ms  "
                  "(target >= 0.80)")
            from summary import report  # `make bench`'s closing table

            share = f["rate"] / f["bound"]
            report(f"Google probe session c = {c}: rate / bound", f"{share:.2f}", ">= 0.80", share >= 0.80)
    finally:
        parent.send(("stop", None))
        server.join(30)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
