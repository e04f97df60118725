"""Check all against the EWS sandbox with added latency: throughput against the bound, and CPU use.

    .venv/bin/python bench/bench_checkall.py [--per-slot N] [--latency S] [--levels 1,4,8,16]
                                             [--mode session|full] [--throttled-only | --no-throttled]
                                             [--whole-process [--probe-auth]] [--profile N]

The sandbox runs in a **subprocess** (this same script with `--serve`, driven over stdin/stdout), so the
console's CPU and the sandbox's are measured apart and do not share one interpreter lock. For each
concurrency level c the sandbox organisation gets `per_slot × c` ordinary in-scope mailboxes, each is
linked, then check all runs through the real Exchange adapter (`run_probes`, `ProfileRecorder("check")`)
with `latency` seconds added to every EWS answer:

- `--mode session` (default, what check all uses): one `ExchangeProbeSession` per run — a pool of c
  connections signed in once, the server version learnt once, 1 EWS request per probe (FindItem with a
  CalendarView on the mailbox's distinguished calendar);
- `--mode full`: the interactive check per mailbox (`probe_mailbox`: DNS, TCP, TLS, a new NTLM connection,
  the version guess, 3 EWS requests — 7 requests in all).

Figures per run: EWS requests per mailbox as the sandbox counted them (the whole run, session set-up and
sign-in included), probes/s, the fraction of the bound `c / (requests per probe × latency)` (the best a
client limited to c probes at once can do when every request waits `latency`) and of the physical bound
`c / latency` (one request per mailbox), both over the whole run (set-up included), then "steady": the
fraction of `c / latency` from the first to the last probe request the sandbox received (the session's
set-up and the tail left out; with throttled mailboxes it counts their retries too); the console's CPU (this
process: engine, registry writes, exchangelib) and the sandbox's, per probe and as a share of one core;
then the same with 5% of the mailboxes throttled (ErrorServerBusy, 500 ms back-off): retries, the
shortest gap the sandbox saw between two requests for one throttled mailbox (≥ the back-off when it is
honoured), and whether every throttled profile kept its status. The issue's full figure uses
`--per-slot 50`; issue 13's on-premises LAN figure adds `--latency 0.02`. Prints figures only.

`--whole-process` times the real `ec-console profiles check --concurrency c --json` instead, as a process
of its own (this script with `--cli-child`, which puts the application's password into the child's
in-memory keychain and calls `cli.run`) on a registry of `per_slot × c` linked profiles seeded beforehand:
from the process's start to its exit, with the lead (start to the first probe request: interpreter,
imports, registry, the session's set-up), the steady fraction and the tail (last probe request to exit).
Its application names its sign-in method (NTLM), so the session opens with its first FindItem
(`exchange/probe.py`); `--probe-auth` seeds one that leaves the method to be probed at each run;
`--trace-lead` prints when the child's own code started, when it began importing its parts (audit events:
nothing is imported earlier than the command imports it) and when it first connected to the server.
`--profile N` profiles N probes of one session in this process (no added latency) and prints the costliest
calls per probe.
"""

from __future__ import annotations

import argparse
import atexit
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

BACK_OFF_MS = 500


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


# --- the sandbox side (subprocess) -------------------------------------------------------------------------


def _add_mailboxes(sandbox: Any, count: int, throttled_share: float, tag: str) -> dict[str, Any]:
    from ec_console.sandbox.org import Behaviour, Mailbox

    org = sandbox.org
    wanted = max(1, round(count * throttled_share)) if throttled_share else 0
    picked = {round(k * count / wanted) + count // (2 * wanted) for k in range(wanted)} if wanted else set()
    addresses, throttled = [], []
    with org.lock:
        for i in range(count):
            behaviour = Behaviour.THROTTLED if i in picked else Behaviour.NORMAL
            address = f"bench.{tag}.{i}@{org.domain}"
            box = Mailbox(address=address, display_name=f"Bench {tag} {i}", behaviour=behaviour,
                          in_scope=True)
            box.folder_ids = {
                fid: f"AQMkAD{uuid.uuid4().hex}{fid[:4]}AAA=" for fid in ("root", "calendar", "msgfolderroot")
            }
            org.mailboxes[address] = box
            addresses.append(address)
            if behaviour is Behaviour.THROTTLED:
                throttled.append(address)
    return {"addresses": addresses, "throttled": throttled}


def _throttled_gap(sandbox: Any, mailboxes: list[str]) -> float | None:
    """The shortest time between two requests the sandbox received for one of `mailboxes`."""
    wanted = set(mailboxes)
    times: dict[str, list[float]] = {}
    for record in sandbox.requests.all():
        address = record.notes.get("impersonated")
        if address in wanted:
            times.setdefault(address, []).append(record.at.timestamp())
    gaps = [b - a for seen in times.values() for a, b in zip(sorted(seen), sorted(seen)[1:], strict=False)]
    return min(gaps) if gaps else None


def _steady(sandbox: Any) -> dict[str, Any]:
    """The probes' own requests (FindItem) the sandbox received: how many, and the first and last arrival."""
    times = sorted(r.at.timestamp() for r in sandbox.requests.all() if r.notes.get("operation") == "FindItem")
    return {"count": len(times), "first": times[0] if times else None, "last": times[-1] if times else None}


def serve(keep_nagle: bool = False) -> int:
    """Run the sandbox and answer one JSON command per stdin line (this script's parent drives it)."""
    import logging

    logging.disable(logging.INFO)
    from ec_console.sandbox import Sandbox

    if not keep_nagle:
        # The stdlib server writes an answer's headers and body in two sends; with Nagle on, the body waits
        # for the client's delayed ACK (about 40 ms per request on Linux loopback). IIS / http.sys does not
        # do that; `disable_nagle_algorithm` is socketserver's own switch for it (TCP_NODELAY).
        from ec_console.sandbox.server import _RequestHandler

        _RequestHandler.disable_nagle_algorithm = True
    with Sandbox() as sandbox:
        sandbox.org.throttle_back_off_ms = BACK_OFF_MS
        print(json.dumps(sandbox.info().to_json()), flush=True)
        for line in sys.stdin:
            command = json.loads(line)
            op = command["op"]
            if op == "stop":
                break
            if op == "add":
                answer: Any = _add_mailboxes(sandbox, command["count"], command["share"], command["tag"])
            elif op == "latency":
                sandbox.ews_server.latency = float(command["value"])
                answer = {}
            elif op == "requests":
                answer = {"count": len(sandbox.requests)}
            elif op == "clear":
                sandbox.requests.clear()
                answer = {}
            elif op == "steady":
                answer = _steady(sandbox)
            elif op == "cpu":
                answer = {"cpu": _cpu()}
            elif op == "gap":
                answer = {"gap": _throttled_gap(sandbox, command["mailboxes"])}
            else:
                answer = {"error": f"unknown op {op}"}
            print(json.dumps(answer), flush=True)
    return 0


class RemoteSandbox:
    """The parent's handle on the sandbox subprocess."""

    def __init__(self, *, keep_nagle: bool = False) -> None:
        command = [sys.executable, str(Path(__file__).resolve()), "--serve"]
        if keep_nagle:
            command.append("--keep-nagle")
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                        env=dict(os.environ))
        assert self.process.stdout is not None
        self.info = json.loads(self.process.stdout.readline())

    def call(self, op: str, **values: Any) -> Any:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(json.dumps({"op": op, **values}) + "\n")
        self.process.stdin.flush()
        return json.loads(self.process.stdout.readline())

    def close(self) -> None:
        try:
            self.call("stop")
        except (BrokenPipeError, ValueError):
            pass
        self.process.wait(timeout=30)


# --- the console side --------------------------------------------------------------------------------------


def _requests_per_probe(remote: RemoteSandbox, settings: dict, password: str, mailboxes: list[str],
                        mode: str) -> int:
    from ec_console.providers.exchange.check import ExchangeSettings, probe_mailbox
    from ec_console.providers.exchange.probe import ExchangeProbeSession

    base = ExchangeSettings(mailbox=mailboxes[0], **settings)
    if mode == "full":
        before = remote.call("requests")["count"]
        probe_mailbox(base, password, mailboxes[0])
        return remote.call("requests")["count"] - before
    with ExchangeProbeSession(base, password, max_connections=1) as session:
        session.probe(mailboxes[0])                       # opens the session (once per run)
        before = remote.call("requests")["count"]
        for mailbox in mailboxes[1:]:
            session.probe(mailbox)
        return round((remote.call("requests")["count"] - before) / (len(mailboxes) - 1))


def run_level(remote: RemoteSandbox, level: int, per_slot: int, latency: float, throttled_share: float,
              mode: str) -> dict:
    from ec_console import checkall
    from ec_console.checkall import ProbeJob, run_probes
    from ec_console.dashboard import ProfileRecorder
    from ec_console.providers.base import ExchangeAdapter, open_session_adapter
    from ec_console.registry import Registry

    info = remote.info
    tag = f"{mode[0]}{level}{'t' if throttled_share else ''}"
    added = remote.call("add", count=per_slot * level, share=throttled_share, tag=tag)
    addresses, throttled = added["addresses"], added["throttled"]
    with Registry.for_region(f"bench-{tag}") as registry:
        app = registry.add_application("Bench", "exchange", info["domain"], {
            "ews_url": info["ews_url"], "username": info["username"], "ca_file": info["ca_file"],
            "timeout": 30})
        registry.add_profiles(app.id, [(a, "") for a in addresses], status="linked")
        jobs = [ProbeJob(app.id, p.email, p.id) for p in registry.list_profiles()]
        remote.call("latency", value=latency)
        stats: dict = {}
        remote.call("clear")                              # only this run's requests from here on
        requests0 = remote.call("requests")["count"]
        server0, cpu0, wall0 = remote.call("cpu")["cpu"], _cpu(), time.perf_counter()
        adapter: Any = ExchangeAdapter()
        bound = open_session_adapter(adapter, app, info["password"], concurrency=level) if mode == "session" \
            else None
        try:
            summary = run_probes(registry, jobs, {app.id: checkall.AppContext(app, bound or adapter,
                                                                              info["password"])},
                                 ProfileRecorder("check"), concurrency=level,
                                 policy=checkall.BackOffPolicy(max_retries=2), stats=stats)
        finally:
            if bound is not None:
                bound.close()
        wall, cpu = time.perf_counter() - wall0, _cpu() - cpu0
        server_cpu = remote.call("cpu")["cpu"] - server0
        sent = remote.call("requests")["count"] - requests0
        steady = remote.call("steady")
        remote.call("latency", value=0.0)
        kept = all(registry.find_profile(app.id, a).status == "linked" for a in throttled)
    gap = remote.call("gap", mailboxes=throttled)["gap"] if throttled else None
    remote.call("clear")
    return {"level": level, "probes": len(jobs), "wall": wall, "cpu": cpu, "server_cpu": server_cpu,
            "requests": sent, "steady": steady, "retries": summary.retries, "counts": summary.counts,
            "kept": kept, "throttled": len(throttled),
            "gap": gap, "max_in_flight": max(stats["max_in_flight"].values())}


# --- where a probe's CPU goes -------------------------------------------------------------------------------


def profile_probes(remote: RemoteSandbox, count: int, top: int = 40) -> None:
    """`count` probes through one probe session, one after the other in this thread, under cProfile (CPU
    time): the functions that cost the most, in ms of CPU per probe (the profiler's own cost included)."""
    import cProfile
    import pstats

    from ec_console.providers.exchange.check import ExchangeSettings
    from ec_console.providers.exchange.probe import ExchangeProbeSession

    info = remote.info
    mailboxes = remote.call("add", count=count + 20, share=0.0, tag="prof")["addresses"]
    settings = ExchangeSettings(mailbox=mailboxes[0], ews_url=info["ews_url"], username=info["username"],
                                ca_file=info["ca_file"])
    with ExchangeProbeSession(settings, info["password"], max_connections=1) as session:
        for mailbox in mailboxes[:20]:                  # the session opened and warm
            session.probe(mailbox)
        cpu0 = time.thread_time()
        for mailbox in mailboxes[20:20 + count // 2]:
            session.probe(mailbox)
        plain = (time.thread_time() - cpu0) / (count // 2) * 1000
        profiler = cProfile.Profile(time.thread_time)
        profiler.enable()
        for mailbox in mailboxes[20 + count // 2:]:
            session.probe(mailbox)
        profiler.disable()
    profiled = count - count // 2
    stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    total = sum(tt for _, _, tt, _, _ in stats.values()) / profiled * 1000
    print(f"CPU per probe, one session, one thread, no added latency: {plain:.2f} ms without the profiler, "
          f"{total:.2f} ms under it; by function (cumulative, ms per probe under the profiler):")
    rows = sorted(stats.items(), key=lambda kv: kv[1][3], reverse=True)[:top]
    for (path, line, name), (_, _, _, cumulative, _) in rows:
        where = "/".join(Path(path).parts[-2:]) if path != "~" else ""
        print(f"{cumulative / profiled * 1000:>8.2f}  {name}  {where}:{line}")


# --- the whole `ec-console profiles check` process ----------------------------------------------------------

SECRET_ENV = "EC_BENCH_SECRET"  # the child's password: into its in-memory keychain, out of its environment


def cli_child(argv: list[str]) -> int:
    """The real `ec-console profiles check` (`cli.run`, as the program runs it), after putting the
    application's password into this process's in-memory keychain (what `applications add` does; it is not
    shared between processes)."""
    from ec_console.regions import load_regions
    from ec_console.secrets import default_store, secret_key

    if os.environ.pop(TRACE_ENV, None):
        _trace_lead()
    secret = os.environ.pop(SECRET_ENV)
    default_store().set(secret_key(load_regions().default_id, "Bench", "password"), secret)
    from ec_console.cli import run

    run(argv)  # the `ec-console` program itself: main, then the end of the process
    return 0  # not reached


_PROBE_AUTH = False  # --probe-auth
_TRACE_LEAD = False  # --trace-lead
TRACE_ENV = "EC_BENCH_TRACE_LEAD"
# when each import starts (`ec_console.providers.exchange.busy_view` is the first once exchangelib is in)
_TRACED_IMPORTS = ("ec_console.cli", "ec_console.checkall", "ec_console.dashboard", "exchangelib",
                   "ec_console.providers.exchange.busy_view")


def _trace_lead() -> None:
    """In the child: the time of its start, of the first import of each of `_TRACED_IMPORTS` and of its first
    outgoing connection (the session opening), written to stderr at exit as one JSON line (audit events,
    so nothing is imported earlier than the command imports it)."""
    import atexit

    marks: dict[str, float] = {"child's main": time.time()}

    def hook(event: str, args: tuple) -> None:
        if event == "import" and args[0] in _TRACED_IMPORTS:
            marks.setdefault(f"import {args[0]}", time.time())
        elif event == "socket.connect":
            marks.setdefault("first connection", time.time())

    sys.addaudithook(hook)
    atexit.register(lambda: sys.stderr.write("EC_BENCH_MARKS " + json.dumps(marks) + "\n"))


def run_whole_process(remote: RemoteSandbox, level: int, per_slot: int, latency: float) -> dict:
    """`ec-console profiles check --concurrency <level>` as a process of its own, timed from its start to its
    exit, on a registry of `per_slot × level` linked profiles seeded beforehand."""
    from ec_console.regions import load_regions
    from ec_console.registry import Registry

    info = remote.info
    addresses = remote.call("add", count=per_slot * level, share=0.0, tag=f"w{level}")["addresses"]
    home = tempfile.mkdtemp(prefix="ec-bench-cli-")
    previous = os.environ.get("EC_CONSOLE_HOME")
    os.environ["EC_CONSOLE_HOME"] = home
    try:
        with Registry.for_region(load_regions().default_id) as registry:
            # An application whose setup named its sign-in method (NTLM), as the wizard's "Sign-in method"
            # saves it; `--probe-auth` leaves it unnamed (the server's methods are probed at each run).
            named = {} if _PROBE_AUTH else {"auth": "ntlm"}
            app = registry.add_application("Bench", "exchange", info["domain"], {
                "ews_url": info["ews_url"], "username": info["username"], "ca_file": info["ca_file"],
                "timeout": 30, **named})
            registry.add_profiles(app.id, [(a, "") for a in addresses], status="linked")
    finally:
        if previous is not None:
            os.environ["EC_CONSOLE_HOME"] = previous
    env = dict(_bytecode_env(), EC_CONSOLE_HOME=home, EC_CONSOLE_CREDENTIAL_STORE="memory",
               **{SECRET_ENV: info["password"]}, **({TRACE_ENV: "1"} if _TRACE_LEAD else {}))
    command = [sys.executable, str(Path(__file__).resolve()), "--cli-child",
               "profiles", "check", "--concurrency", str(level), "--json"]
    remote.call("latency", value=latency)
    remote.call("clear")
    children0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    started, wall0 = time.time(), time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - wall0
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    sent = remote.call("requests")["count"]
    steady = remote.call("steady")
    remote.call("latency", value=0.0)
    remote.call("clear")
    cpu = (children.ru_utime - children0.ru_utime) + (children.ru_stime - children0.ru_stime)
    first, last = steady["first"] or started, steady["last"] or started
    marks = {}
    for line in done.stderr.splitlines():
        if line.startswith("EC_BENCH_MARKS "):
            marks = {k: v - started for k, v in json.loads(line.split(" ", 1)[1]).items()}
            marks["first probe request"] = first - started
    return {"level": level, "probes": len(addresses), "wall": wall, "cpu": cpu, "requests": sent,
            "status": done.returncode, "error": done.stderr.strip()[-300:] if done.returncode else "",
            # start to the first probe request (start-up, registry, session set-up), the span, the rest
            "lead": first - started, "span": last - first, "tail": started + wall - last, "marks": marks,
            "steady": (steady["count"] - 1) / (last - first) if last > first else float("nan")}


# Bytecode for the child, compiled once before the timed runs as an installed console has it (pip compiles
# it at install time; this machine sets PYTHONDONTWRITEBYTECODE, so without a cache every run of the child
# compiled the console's own modules again: about 0.1 s of CPU in its lead). A private cache folder, as
# bench_cold_start.py does, so nothing is written into the source tree.
_PYCACHE: dict[str, str] = {}
_CHILD_IMPORTS = ("import ec_console.cli, ec_console.commands.profiles, ec_console.checkall, "
                  "ec_console.dashboard, ec_console.secrets, ec_console.providers.exchange.probe")


def _bytecode_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    if "dir" not in _PYCACHE:
        _PYCACHE["dir"] = tempfile.mkdtemp(prefix="ec-bench-pycache-")
        atexit.register(shutil.rmtree, _PYCACHE["dir"], ignore_errors=True)
        subprocess.run([sys.executable, "-c", _CHILD_IMPORTS], check=True,  # compile once: not timed
                       env={**env, "PYTHONPYCACHEPREFIX": _PYCACHE["dir"]},
                       cwd=Path(__file__).resolve().parents[1])
    return {**env, "PYTHONPYCACHEPREFIX": _PYCACHE["dir"]}


def whole_process(remote: RemoteSandbox, levels: list[int], per_slot: int, latency: float) -> None:
    print(f"\nthe whole `ec-console profiles check --concurrency c` process (start-up, session set-up and "
          f"exit included), {latency * 1000:.0f} ms added per request, {per_slot} mailboxes per unit of "
          f"concurrency; target >= 0.80 of c / latency")
    print(f"{'run':<8}{'probes':>7}{'req/mbx':>8}{'wall s':>8}{'probes/s':>10}{'c/lat':>8}{'fraction':>9}"
          f"{'target':>8}{'CPU s':>7}{'ms/probe':>9}{'lead s':>7}{'steady':>7}{'tail s':>7}  exit")
    for level in levels:
        r = run_whole_process(remote, level, per_slot, latency)
        rate, physical = r["probes"] / r["wall"], level / latency
        print(f"{'c=' + str(level):<8}{r['probes']:>7}{r['requests'] / r['probes']:>8.2f}{r['wall']:>8.1f}"
              f"{rate:>10.2f}{physical:>8.1f}{rate / physical:>9.2f}{0.8:>8.2f}{r['cpu']:>7.1f}"
              f"{r['cpu'] / r['probes'] * 1000:>9.1f}{r['lead']:>7.2f}{r['steady'] / physical:>7.2f}"
              f"{r['tail']:>7.2f}  {r['status']} {r['error']}", flush=True)
        if r["marks"]:
            print("         lead, s from the start: " + ", ".join(
                f"{name} {at:.3f}" for name, at in sorted(r["marks"].items(), key=lambda kv: kv[1])))
        from summary import report

        report(f"profiles check process c={level}, {latency * 1000:.0f} ms: rate / (c / latency)",
               f"{rate / physical:.2f} (start to first probe {r['lead']:.2f} s, last probe to exit "
               f"{r['tail']:.2f} s)", ">= 0.80", rate / physical >= 0.80)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["--cli-child"]:
        return cli_child(argv[1:])
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--per-slot", type=int, default=10,
                        help="mailboxes per unit of concurrency (issue: 50)")
    parser.add_argument("--latency", type=float, default=0.2, help="seconds added to every EWS answer")
    parser.add_argument("--levels", default="1,4,8,16", help="concurrency levels, comma separated")
    parser.add_argument("--mode", choices=("session", "full"), default="session",
                        help="session: check all's bulk probe session; "
                             "full: the interactive check per mailbox")
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--no-throttled", action="store_true", help="skip the 5%% throttled runs")
    which.add_argument("--throttled-only", action="store_true", help="only the 5%% throttled runs")
    parser.add_argument("--keep-nagle", action="store_true",
                        help="leave Nagle on in the sandbox's server (about 40 ms more per request)")
    parser.add_argument("--whole-process", action="store_true",
                        help="time the real `ec-console profiles check` process instead (start-up included)")
    parser.add_argument("--probe-auth", action="store_true",
                        help="--whole-process: an application that does not name its sign-in method")
    parser.add_argument("--trace-lead", action="store_true",
                        help="--whole-process: when the child started, imported its parts, first connected")
    parser.add_argument("--profile", type=int, metavar="N", default=0,
                        help="profile N probes of one session (no added latency): the costliest calls")
    parser.add_argument("--switch-interval", type=float, metavar="S", default=None,
                        help="the console's thread switch interval (sys.setswitchinterval; Python's default "
                             "is 0.005 s); not with --whole-process")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        return serve(args.keep_nagle)
    if args.switch_interval:
        sys.setswitchinterval(args.switch_interval)
    levels = [int(x) for x in args.levels.split(",")]
    shares = [0.0] if args.no_throttled else [0.05] if args.throttled_only else [0.0, 0.05]

    os.environ["EC_CONSOLE_HOME"] = tempfile.mkdtemp(prefix="ec-bench-checkall-")
    import logging

    logging.disable(logging.INFO)
    remote = RemoteSandbox(keep_nagle=args.keep_nagle)
    try:
        info = remote.info
        settings = {"ews_url": info["ews_url"], "username": info["username"], "ca_file": info["ca_file"]}
        if args.profile:
            profile_probes(remote, args.profile)
            return 0
        if args.whole_process:
            global _PROBE_AUTH, _TRACE_LEAD
            _PROBE_AUTH, _TRACE_LEAD = args.probe_auth, args.trace_lead
            whole_process(remote, levels, args.per_slot, args.latency)
            return 0
        sample = remote.call("add", count=4, share=0.0, tag="sample")["addresses"]
        per_probe = _requests_per_probe(remote, settings, info["password"], sample, args.mode)
        print(f"check all against the EWS sandbox (in a subprocess), mode {args.mode}: "
              f"{args.latency * 1000:.0f} ms added per request, {per_probe} EWS requests per probe, "
              f"{args.per_slot} mailboxes per unit of concurrency, {os.cpu_count()} CPUs; "
              f"throttled mailboxes ask for {BACK_OFF_MS} ms of back-off; sandbox Nagle "
              f"{'on' if args.keep_nagle else 'off (TCP_NODELAY)'}")
        print(f"{'run':<14}{'probes':>7}{'req/mbx':>8}{'wall s':>8}{'probes/s':>10}{'bound/s':>9}"
              f"{'fraction':>9}{'of c/lat':>9}{'steady':>7}"
              f"{'CPU s':>7}{'ms/probe':>9}{'cores':>6}{'srv CPU s':>10}{'srv cores':>10}{'in-flight':>10}"
              f"{'retries':>8}  throttled")
        for share in shares:
            for level in levels:
                r = run_level(remote, level, args.per_slot, args.latency, share, args.mode)
                rate = r["probes"] / r["wall"]
                bound = level / (per_probe * args.latency)
                name = f"c={level}" + (" 5% thr." if share else "")
                status = ""
                if share:
                    gap = f"{r['gap'] * 1000:.0f} ms" if r["gap"] is not None else "n/a"
                    status = (f"{r['throttled']} kept status: {'yes' if r['kept'] else 'NO'}; "
                              f"shortest retry gap {gap}")
                physical = level / args.latency
                s = r["steady"]
                # steady state: the probes' FindItem requests from the first to the last one the sandbox saw
                # (the session's set-up and the last answers' tail left out)
                span = (s["last"] - s["first"]) if s["count"] > 1 else 0.0
                steady = (s["count"] - 1) / span / physical if span > 0 else float("nan")
                print(f"{name:<14}{r['probes']:>7}{r['requests'] / r['probes']:>8.2f}{r['wall']:>8.1f}"
                      f"{rate:>10.2f}{bound:>9.2f}{rate / bound:>9.2f}{rate / physical:>9.2f}{steady:>7.2f}"
                      f"{r['cpu']:>7.1f}"
                      f"{r['cpu'] / r['probes'] * 1000:>9.1f}"
                      f"{r['cpu'] / r['wall']:>6.2f}{r['server_cpu']:>10.1f}"
                      f"{r['server_cpu'] / r['wall']:>10.2f}"
                      f"{r['max_in_flight']:>10}{r['retries']:>8}  {status}", flush=True)
                _summary(name, r, rate / physical, steady, share, args.latency)
    finally:
        remote.close()
    return 0


def _summary(name: str, r: dict[str, Any], whole: float, steady: float, share: float,
             latency: float) -> None:
    """One run's figures for `make bench`'s closing table (bench/summary.py), beside issue 13's targets."""
    from summary import report

    name = f"{name}, {latency * 1000:.0f} ms"
    per_probe = r["cpu"] / r["probes"] * 1000
    if latency < 0.1:  # an on-premises LAN: check all keeps pace, >= 0.8 of the bound at c = 16
        report(f"check all {name}: whole run / (c / latency)", f"{whole:.2f}", ">= 0.80", whole >= 0.80)
        report(f"check all {name}: console CPU per probe", f"{per_probe:.1f} ms", "<= 5 ms", per_probe <= 5)
        return

    if share:
        report(f"check all {name}: statuses kept", "yes" if r["kept"] else "no", "yes", bool(r["kept"]))
        gap = r["gap"]
        report(f"check all {name}: shortest retry gap", "n/a" if gap is None else f"{gap * 1000:.0f} ms",
               f">= {BACK_OFF_MS} ms", None if gap is None else gap * 1000 >= BACK_OFF_MS)
        return
    finds = r["steady"]["count"] / r["probes"]  # the probes' own requests (FindItem), retries none here
    report(f"check all {name}: EWS requests per mailbox",
           f"{finds:.2f} in steady state ({r['requests'] / r['probes']:.2f} with the session's set-up)",
           "1", round(finds, 3) == 1)
    report(f"check all {name}: steady rate / (c / latency)", f"{steady:.2f}", ">= 0.85", steady >= 0.85)
    report(f"check all {name}: whole run / (c / latency)", f"{whole:.2f}", ">= 0.80", whole >= 0.80)
    report(f"check all {name}: console CPU per probe", f"{per_probe:.1f} ms", "<= 5 ms", per_probe <= 5)


if __name__ == "__main__":
    sys.exit(main())
