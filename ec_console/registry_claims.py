"""Check-all claims: two desktops running check all at once never probe a profile twice (Qt-free).

A run claims the profiles it is about to probe in `check_claims` (schema 13), in batches of `CLAIM_BATCH`,
each batch one transaction: a profile is claimed only if no one holds it or its holder's lease has expired
(`INSERT ... ON CONFLICT DO UPDATE ... WHERE expires_at <= now`, atomic on SQLite and PostgreSQL alike).
Profiles another live run holds are left out, and the run says how many and by whom ("412 profiles
skipped: being checked by alex@helpdesk-07 since 14:02 UTC"). The run renews its lease (`CLAIM_LEASE`) every
`RENEW_EVERY_S` seconds from its writer thread while it runs, and releases its claims at the end, on cancel
and on error too. A run abandoned by a crash holds nothing once its lease has expired.

Times are the registry's ISO 8601 UTC text (`utc_now()`), compared as text on both engines; a lease is
judged by the clock of the desktop claiming, so desktops' clocks should agree within a minute (a lease is
two).

A run stopped by a crash, a kill or Ctrl+C on this desktop does not make the next run here wait for its
lease: claims recorded by this host whose process (`pid`) no longer exists are given back first.
"""

from __future__ import annotations

import getpass
import logging
import os
import socket
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from ec_console.registry import CHECK_CLAIMS_TABLE, utc_text

log = logging.getLogger(__name__)

CLAIM_LEASE = timedelta(minutes=2)
RENEW_EVERY_S = 30.0
CLAIM_BATCH = 500

_CLAIM = f"""INSERT INTO {CHECK_CLAIMS_TABLE} (profile_id, run_id, os_user, host, pid, claimed_at,
        expires_at)
    VALUES (?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (profile_id) DO UPDATE SET run_id = excluded.run_id, os_user = excluded.os_user,
        host = excluded.host, pid = excluded.pid, claimed_at = excluded.claimed_at,
        expires_at = excluded.expires_at
    WHERE {CHECK_CLAIMS_TABLE}.expires_at <= ? OR {CHECK_CLAIMS_TABLE}.run_id = excluded.run_id"""


def _now() -> datetime:
    return datetime.now(UTC)


def this_desktop() -> tuple[str, str]:
    """(OS user, host name) of this desktop, as a claim records them."""
    try:
        user = getpass.getuser()
    except Exception:  # noqa: BLE001 - no user name in the environment: the claim still works
        user = "unknown"
    return user, socket.gethostname().split(".")[0] or "unknown"


def process_alive(pid: int) -> bool:
    """Whether a process `pid` exists on this computer (True when that cannot be told: the lease decides)."""
    if pid <= 0:
        return True
    if sys.platform == "win32":
        import ctypes

        kernel = ctypes.windll.kernel32  # type: ignore[attr-defined]
        handle = kernel.OpenProcess(0x1000, False, pid)   # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            return kernel.GetLastError() == 5             # ERROR_ACCESS_DENIED: it exists
        try:
            code = ctypes.c_ulong()
            kernel.GetExitCodeProcess(handle, ctypes.byref(code))
            return code.value == 259                      # STILL_ACTIVE
        finally:
            kernel.CloseHandle(handle)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True                                       # exists, another user's
    return True


@dataclass(frozen=True)
class ClaimHolder:
    """Another run's hold on some of the profiles this run meant to probe."""

    os_user: str
    host: str
    since: str          # when it claimed the first of them (ISO 8601 UTC)
    profiles: int

    @property
    def who(self) -> str:
        return f"{self.os_user}@{self.host}" if self.host else self.os_user

    def to_dict(self) -> dict[str, Any]:
        return {"by": self.who, "os_user": self.os_user, "host": self.host, "since": self.since,
                "profiles": self.profiles}


def skipped_text(holders: Sequence[ClaimHolder]) -> str:
    """"412 profiles skipped: being checked by alex@helpdesk-07 since 14:02 UTC" ("" when none)."""
    from ec_console.words import count

    if not holders:
        return ""
    total = sum(h.profiles for h in holders)
    by = "; ".join(
        (f"{h.profiles:,} " if len(holders) > 1 else "") + f"being checked by {h.who} since {_clock(h.since)}"
        for h in holders)
    return f"{count(total, 'profile', 'profiles')} skipped: {by}"


def _clock(text: str) -> str:
    """"14:02 UTC" from an ISO 8601 UTC time (the text itself when it is not one)."""
    return f"{text[11:16]} UTC" if len(text) >= 16 and text[10] == "T" else text


class RunClaims:
    """One check-all run's claims on one registry (used from the thread that owns the registry)."""

    def __init__(self, registry: Any, run_id: str, *, lease: timedelta = CLAIM_LEASE,
                 renew_every: float = RENEW_EVERY_S, now: Callable[[], datetime] = _now,
                 desktop: tuple[str, str] | None = None, batch: int = CLAIM_BATCH,
                 pid: int | None = None, alive: Callable[[int], bool] = process_alive) -> None:
        self.registry = registry
        self.run_id = run_id
        self.lease = lease
        self.renew_every = renew_every
        self._now = now
        self.os_user, self.host = desktop or this_desktop()
        self.batch = batch
        self.pid = os.getpid() if pid is None else pid
        self._alive = alive
        self.claimed: set[int] = set()
        self._renewed = time.monotonic()

    def claim(self, profile_ids: Iterable[int]) -> tuple[set[int], list[ClaimHolder]]:
        """Claim `profile_ids` (free or lapsed ones only), batch by batch; returns the ids this run now
        holds and who holds the others."""
        ids = list(dict.fromkeys(int(i) for i in profile_ids))
        self._forget_dead_runs_here()
        got: set[int] = set()
        held: dict[tuple[str, str], ClaimHolder] = {}
        for start in range(0, len(ids), self.batch):
            chunk = ids[start:start + self.batch]
            now = self._now()
            at, until = utc_text(now), utc_text(now + self.lease)
            marks = ", ".join("?" * len(chunk))
            with self.registry.transaction() as conn:
                for profile_id in chunk:
                    conn.execute(_CLAIM, (profile_id, self.run_id, self.os_user, self.host, self.pid, at,
                                          until, at))
                mine = {int(r[0]) for r in conn.execute(
                    f"SELECT profile_id FROM {CHECK_CLAIMS_TABLE} WHERE run_id = ? "
                    f"AND profile_id IN ({marks})", (self.run_id, *chunk)).fetchall()}
                others = conn.execute(
                    f"SELECT os_user, host, MIN(claimed_at), COUNT(*) FROM {CHECK_CLAIMS_TABLE} "
                    f"WHERE run_id <> ? AND profile_id IN ({marks}) GROUP BY os_user, host",
                    (self.run_id, *chunk)).fetchall()
            got |= mine
            for user, host, since, n in others:
                before = held.get((user, host))
                if before is not None:
                    since, n = min(since, before.since), n + before.profiles
                held[(user, host)] = ClaimHolder(str(user), str(host), str(since), int(n))
        self.claimed |= got
        self._renewed = time.monotonic()
        return got, sorted(held.values(), key=lambda h: (-h.profiles, h.who))

    def _forget_dead_runs_here(self) -> None:
        """Give back the claims of earlier runs on this host whose process has ended (crash, kill)."""
        with self.registry.transaction() as conn:
            runs = conn.execute(f"SELECT DISTINCT run_id, pid FROM {CHECK_CLAIMS_TABLE} "
                                "WHERE host = ? AND run_id <> ? AND pid IS NOT NULL",
                                (self.host, self.run_id)).fetchall()
            for run_id, pid in runs:
                if int(pid) != self.pid and not self._alive(int(pid)):
                    conn.execute(f"DELETE FROM {CHECK_CLAIMS_TABLE} WHERE run_id = ? AND host = ?",
                                 (run_id, self.host))
                    log.info("claims of an ended check-all run on this desktop given back")

    def renew(self) -> None:
        """Push this run's lease forward (it keeps every profile it holds)."""
        until = utc_text(self._now() + self.lease)
        with self.registry.transaction() as conn:
            conn.execute(f"UPDATE {CHECK_CLAIMS_TABLE} SET expires_at = ? WHERE run_id = ?",
                         (until, self.run_id))
        self._renewed = time.monotonic()

    def renew_if_due(self) -> None:
        """Renew when `renew_every` seconds have passed since the last claim or renewal (the writer calls
        this between writes). A failure is logged, not raised: the run goes on, and the claims lapse at
        worst when the lease ends."""
        if not self.claimed or time.monotonic() - self._renewed < self.renew_every:
            return
        try:
            self.renew()
        except Exception:  # noqa: BLE001 - a renewal that fails must not stop the run
            self._renewed = time.monotonic()
            log.warning("Could not renew the check-all run's claims on its profiles", exc_info=True)

    def release(self) -> bool:
        """Give every claim of this run back; False when that failed (the lease then frees them)."""
        try:
            with self.registry.transaction() as conn:
                conn.execute(f"DELETE FROM {CHECK_CLAIMS_TABLE} WHERE run_id = ?", (self.run_id,))
        except Exception:  # noqa: BLE001 - the claims lapse with their lease
            log.warning("Could not release the check-all run's claims; they lapse within %d s",
                        int(self.lease.total_seconds()), exc_info=True)
            return False
        self.claimed.clear()
        return True


__all__ = ["CLAIM_BATCH", "CLAIM_LEASE", "ClaimHolder", "RENEW_EVERY_S", "RunClaims", "skipped_text",
           "this_desktop"]
