"""A scripted provider adapter for the dashboard and check-all tests (no network).

Holds no tests; imported by tests/test_dashboard*.py and
tests/test_checkall*.py.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ec_console.checks import CancelToken, Report, StepResult, StepStatus, utc_now_iso
from ec_console.diagnoses import diagnose
from ec_console.providers.base import ApplicationLike, Enumeration, ProbeKind, ProbeOutcome, classify
from ec_console.registry import Registry
from ec_console.secrets import MemoryStore, secret_key

SECRET = "Fake-Secret-2026!"


@dataclass
class Script:
    """What the fake answers for one address: a diagnosis code (None = ok), an optional back-off, and how
    many times it answers that before answering ok (None = always)."""

    code: str | None = None
    back_off: float | None = None
    times: int | None = None


@dataclass
class FakeAdapter:
    provider: str = "exchange"
    delay: float = 0.0
    scripts: dict[str, Script] = field(default_factory=dict)
    on_probe: Callable[[str], None] | None = None
    calls: list[tuple[float, str]] = field(default_factory=list)
    in_flight: int = 0
    max_in_flight: int = 0
    secrets_seen: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def secret_kind(self, application: ApplicationLike) -> str:
        return "key" if self.provider == "google" else "password"

    def probe(self, application: ApplicationLike, secret: str, email: str, cancel: CancelToken,
              timeout: float | None = None) -> ProbeOutcome:
        with self.lock:
            self.calls.append((time.monotonic(), email))
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            self.secrets_seen.add(secret)
            script = self.scripts.get(email)
            code = None
            if script is not None and (script.times is None or script.times > 0):
                code = script.code
                if script.times is not None:
                    script.times -= 1
        try:
            if self.on_probe is not None:
                self.on_probe(email)
            if self.delay:
                if cancel.cancelled or cancel._event.wait(self.delay):
                    at = utc_now_iso()
                    return ProbeOutcome(email, ProbeKind.CANCELLED, at, Report(self.provider, email, at))
            return outcome_for(self.provider, email, code, script.back_off if script else None)
        finally:
            with self.lock:
                self.in_flight -= 1

    def enumerate(self, application: ApplicationLike, secret: str, cancel: CancelToken) -> Enumeration:
        from ec_console.providers.base import Account

        return Enumeration([Account(e, e.split("@")[0].title()) for e in self.scripts], ["a note"])

    def setup_check(self, application: ApplicationLike, secret: str, target: str, *,
                    expect_denied: str | None = None, cancel: CancelToken | None = None) -> Report:
        return outcome_for(self.provider, target, self.scripts.get(target, Script()).code, None).report

    def withdrawal_steps(self, application: ApplicationLike) -> list[str]:
        return [f"remove the grant of {application.name}"]

    def profile_withdrawal_step(self, application: ApplicationLike, email: str) -> str:
        return f"take {email} out of the scope"

    def call_times(self, email: str) -> list[float]:
        return [t for t, e in self.calls if e == email]


def outcome_for(provider: str, email: str, code: str | None, back_off: float | None) -> ProbeOutcome:
    at = utc_now_iso()
    if code is None:
        blocks = [{"start": "2026-11-24T09:00:00Z", "end": "2026-11-24T10:00:00Z"},
                  {"start": "2026-11-25T09:00:00Z", "end": "2026-11-25T10:00:00Z"}]
        step = StepResult("read_calendar", "Read", StepStatus.PASS, 1, "2 busy blocks",
                          {"count": 2, "blocks": blocks})
        return ProbeOutcome(email, ProbeKind.OK, at, Report(provider, email, at, (step,)), None,
                            "2 busy blocks", busy_count=2)
    diagnosis = diagnose(code, mailbox=email)
    step_id = "authenticate" if code in ("auth_failed", "account_locked") else "impersonate"
    step = StepResult(step_id, "Open", StepStatus.FAIL, 1, diagnosis.cause, None, diagnosis)
    return ProbeOutcome(email, classify(code, step_id), at, Report(provider, email, at, (step,)), diagnosis,
                        diagnosis.cause, back_off=back_off)


def add_app(registry: Registry, store: MemoryStore, name: str = "Contoso EWS",
            provider: str = "exchange", settings: dict[str, Any] | None = None, secret: str = SECRET):
    settings = settings or {"username": "CONTOSO\\svc"}
    app = registry.add_application(name, provider, "contoso.example", settings)
    store.set(secret_key("us", name, "key" if provider == "google" else "password"), secret)
    return app
