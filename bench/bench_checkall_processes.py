"""Would probes in several processes move check all at 20 ms latency? A prototype, paired A/B (issue 13).

    .venv/bin/python bench/bench_checkall_processes.py [--concurrency 16] [--per-slot 50] [--latency 0.02]
                                                       [--processes 2] [--rounds 3]

Check all at 20 ms added latency, c = 16, reached 0.35–0.44 of `c / latency` (docs/benchmarks.md section
2): about 2.5 ms of console CPU per probe under one interpreter lock. This measures the ceiling of the step
that would lift that lock: the **probes alone** (no registry, no engine, no writer: the most a process pool
could give check all), through the real `ExchangeProbeSession` against the EWS sandbox in its own process
(`bench_checkall.RemoteSandbox`), with 20 ms added to every answer:

- A, one process: one session of c pooled connections, c threads (what check all does today);
- B, N processes (spawned, as on Windows and macOS): each its own session of c / N connections and c / N
  threads over its share of the mailboxes; the password reaches each over its pipe, not argv or env; each
  streams its verdicts back in batches; timed from the parent's "go" to the last verdict, the workers'
  start-up (spawn, imports, the session's set-up) reported apart.

Rounds alternate A and B; the figures printed per round are the fraction of `c / latency` of the probing
(first verdict asked to last verdict received), the CPU per probe of every process of the console
(parent and workers) and of the sandbox, and the machine's one-minute load. Prints figures only.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import queue
import sys
import threading
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))


def _settings(info: dict[str, Any], mailbox: str) -> Any:
    from ec_console.providers.exchange.check import ExchangeSettings

    return ExchangeSettings(mailbox=mailbox, ews_url=info["ews_url"], username=info["username"],
                            ca_file=info["ca_file"], auth="ntlm")


def _probe_all(session: Any, mailboxes: list[str], threads: int, emit: Any) -> None:
    """`threads` workers probing `mailboxes` through `session`; `emit(verdicts)` with small batches."""
    work: queue.SimpleQueue[str | None] = queue.SimpleQueue()
    for address in mailboxes:
        work.put(address)
    for _ in range(threads):
        work.put(None)
    out: queue.SimpleQueue[tuple[str, bool, str] | None] = queue.SimpleQueue()

    def worker() -> None:
        while (address := work.get()) is not None:
            result = session.probe(address)
            out.put((address, result.ok, result.diagnosis.code if result.diagnosis else ""))
        out.put(None)

    running = [threading.Thread(target=worker, daemon=True) for _ in range(threads)]
    for thread in running:
        thread.start()
    left, batch = threads, []
    while left:
        item = out.get()
        if item is None:
            left -= 1
            continue
        batch.append(item)
        try:  # take what else is waiting, up to 32, without waiting for more
            while len(batch) < 32:
                more = out.get_nowait()
                if more is None:
                    left -= 1
                    break
                batch.append(more)
        except queue.Empty:
            pass
        emit(batch)
        batch = []
    if batch:
        emit(batch)


def worker_main(conn: Any) -> None:
    """One worker process: settings, password and mailboxes over the pipe; verdicts back in batches."""
    import logging

    logging.disable(logging.INFO)
    from ec_console.providers.exchange.probe import ExchangeProbeSession

    info, password, mailboxes, threads = conn.recv()
    cpu0 = time.process_time()
    with ExchangeProbeSession(_settings(info, mailboxes[0]), password, max_connections=threads) as session:
        session.probe(mailboxes[0])  # the session opened (once per run), as the run's first probe does
        conn.send(("ready", time.process_time() - cpu0))
        conn.recv()  # go
        cpu1 = time.process_time()
        _probe_all(session, mailboxes[1:], threads, lambda batch: conn.send(("verdicts", batch)))
        conn.send(("done", time.process_time() - cpu1))
    conn.close()


def run_threads(remote: Any, mailboxes: list[str], c: int) -> dict[str, Any]:
    from ec_console.providers.exchange.probe import ExchangeProbeSession

    info = remote.info
    t0, cpu0 = time.perf_counter(), time.process_time()
    with ExchangeProbeSession(_settings(info, mailboxes[0]), info["password"], max_connections=c) as session:
        session.probe(mailboxes[0])
        start = time.perf_counter()
        server0, cpu1 = remote.call("cpu")["cpu"], time.process_time()
        go = time.perf_counter()
        verdicts: list[tuple[str, bool, str]] = []
        _probe_all(session, mailboxes[1:], c, verdicts.extend)
        wall = time.perf_counter() - go
        cpu = time.process_time() - cpu1
        server = remote.call("cpu")["cpu"] - server0
    return {"wall": wall, "probes": len(verdicts), "ok": sum(ok for _, ok, _ in verdicts),
            "codes": sorted({code for _, _, code in verdicts if code}), "cpu": cpu,
            "server_cpu": server, "setup": start - t0, "setup_cpu": cpu1 - cpu0}


def run_processes(remote: Any, mailboxes: list[str], c: int, processes: int) -> dict[str, Any]:
    info = remote.info
    context = multiprocessing.get_context("spawn")
    t0 = time.perf_counter()
    shares = [mailboxes[i::processes] for i in range(processes)]
    pipes, workers = [], []
    for share in shares:
        parent, child = context.Pipe()
        process = context.Process(target=worker_main, args=(child,), daemon=True)
        process.start()
        child.close()
        parent.send((info, info["password"], share, c // processes))
        pipes.append(parent)
        workers.append(process)
    setup_cpu = sum(pipe.recv()[1] for pipe in pipes)  # ready
    setup = time.perf_counter() - t0
    server0, cpu0 = remote.call("cpu")["cpu"], time.process_time()
    go = time.perf_counter()
    for pipe in pipes:
        pipe.send("go")
    verdicts: list[tuple[str, bool, str]] = []
    worker_cpu = 0.0
    open_pipes = list(pipes)
    while open_pipes:
        for pipe in multiprocessing.connection.wait(open_pipes):
            kind, value = pipe.recv()
            if kind == "verdicts":
                verdicts.extend(value)
            else:
                worker_cpu += value
                open_pipes.remove(pipe)
    wall = time.perf_counter() - go
    cpu = time.process_time() - cpu0 + worker_cpu
    server = remote.call("cpu")["cpu"] - server0
    for process in workers:
        process.join(timeout=30)
    return {"wall": wall, "probes": len(verdicts), "ok": sum(ok for _, ok, _ in verdicts),
            "codes": sorted({code for _, _, code in verdicts if code}), "cpu": cpu,
            "server_cpu": server, "setup": setup, "setup_cpu": setup_cpu}


def main() -> int:
    import multiprocessing.connection  # noqa: F401  (wait)

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--per-slot", type=int, default=50)
    parser.add_argument("--latency", type=float, default=0.02)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    import logging
    import tempfile

    os.environ["EC_CONSOLE_HOME"] = tempfile.mkdtemp(prefix="ec-bench-procs-")
    logging.disable(logging.INFO)
    from bench_checkall import RemoteSandbox

    c, n = args.concurrency, args.processes
    remote = RemoteSandbox()
    bound = c / args.latency
    print(f"probes alone (no registry), c = {c}, {args.latency * 1000:.0f} ms added per request, "
          f"{args.per_slot * c} mailboxes a run, {os.cpu_count()} CPUs; A = one process, c threads; "
          f"B = {n} spawned processes, c / {n} threads each; bound c / latency = {bound:.0f} probes/s")
    print(f"{'round':<6}{'run':<5}{'load':>6}{'probes':>7}{'ok':>6}{'wall s':>8}{'probes/s':>10}"
          f"{'fraction':>9}{'ms CPU/probe':>13}{'cores':>7}{'srv ms/probe':>13}{'set-up s':>9}"
          f"{'set-up CPU s':>13}")
    try:
        for k in range(args.rounds):
            for name in ("A", "B"):
                # fresh mailboxes per run; the tag in lower case, as the sandbox looks addresses up
                mailboxes = remote.call("add", count=args.per_slot * c + 1, share=0.0,
                                        tag=f"{name.lower()}{k}")["addresses"]
                remote.call("latency", value=args.latency)
                load = os.getloadavg()[0]
                r = run_threads(remote, mailboxes, c) if name == "A" else \
                    run_processes(remote, mailboxes, c, n)
                remote.call("latency", value=0.0)
                remote.call("clear")
                rate = r["probes"] / r["wall"]
                print(f"{k + 1:<6}{name:<5}{load:>6.1f}{r['probes']:>7}{r['ok']:>6}{r['wall']:>8.2f}"
                      f"{rate:>10.1f}{rate / bound:>9.2f}{r['cpu'] / r['probes'] * 1000:>13.2f}"
                      f"{r['cpu'] / r['wall']:>7.2f}{r['server_cpu'] / r['probes'] * 1000:>13.2f}"
                      f"{r['setup']:>9.2f}{r['setup_cpu']:>13.2f}  {' '.join(r['codes'])}", flush=True)
    finally:
        remote.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
