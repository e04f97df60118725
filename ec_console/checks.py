"""The shared check model: steps, results, reports, and the runner every provider uses.

A *check* is an ordered list of steps run against one target (a mailbox, a Google user). Each step ends
`pass`, `warn`, `fail` or `skip`, with a duration, a one-line detail, optional machine-readable `data`
and, on failure, a `Diagnosis` from the catalog (`ec_console.diagnoses`).

Providers declare their steps up front (`StepSpec`) so a UI can show them all as pending, then hand the
step functions to `CheckRun.execute`. The runner times each step, skips the steps an earlier failure makes
meaningless (each step's `depends_on`), reports progress to observers (called on the worker thread: a UI
must marshal them to its own thread), honours a `CancelToken` between steps, and turns an exception a
step did not expect into an `unexpected_error` diagnosis with a plain message (the traceback goes to the
log, never into the report).

`docs/check-model.md` describes the contract in full. This module never imports Qt.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from ec_console.errors import ExitStatus
from ec_console.i18n import N_, _
from ec_console.registry import utc_now
from ec_console.texts import localized

log = logging.getLogger(__name__)

SKIP_REASON_KEY = "skip_reason"
SKIP_CANCELLED = "cancelled"
SKIP_BLOCKED = "blocked"
SKIP_NOT_APPLICABLE = "not_applicable"
_MAX_ERROR_TEXT = 200


class StepStatus(StrEnum):
    PASS = "pass"
    WARN = "warn"
    FAIL = "fail"
    SKIP = "skip"

    @property
    def severity(self) -> int:
        """Order used for a report's result: pass < warn < fail (skip does not count)."""
        return _SEVERITY[self]


_SEVERITY = {StepStatus.SKIP: -1, StepStatus.PASS: 0, StepStatus.WARN: 1, StepStatus.FAIL: 2}


# The current time as the console writes it everywhere (ISO 8601 UTC, seconds, `Z`): the registry's clock.
utc_now_iso = utc_now


def _require(mapping: Any, key: str, kind: type | tuple[type, ...], where: str) -> Any:
    if not isinstance(mapping, Mapping):
        raise ValueError(f"{where}: expected an object, got {type(mapping).__name__}")
    if key not in mapping:
        raise ValueError(f"{where}: missing key {key!r}")
    value = mapping[key]
    if not isinstance(value, kind) or (isinstance(value, bool) and bool not in _as_tuple(kind)):
        names = " or ".join(k.__name__ for k in _as_tuple(kind))
        raise ValueError(f"{where}.{key}: expected {names}, got {type(value).__name__}")
    return value


def _as_tuple(kind: type | tuple[type, ...]) -> tuple[type, ...]:
    return kind if isinstance(kind, tuple) else (kind,)


def _str_list(value: Any, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"{where}: expected a list of strings")
    return list(value)


@dataclass(frozen=True)
class Diagnosis:
    """A stable code plus the plain-language cause and fix; `commands` / `links` also appear in the fix."""

    code: str
    cause: str
    remediation: str
    commands: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "cause": self.cause,
            "remediation": self.remediation,
            "commands": list(self.commands),
            "links": list(self.links),
        }

    @classmethod
    def from_dict(cls, raw: Any, where: str = "diagnosis") -> Diagnosis:
        return cls(
            code=_require(raw, "code", str, where),
            cause=_require(raw, "cause", str, where),
            remediation=_require(raw, "remediation", str, where),
            commands=_str_list(_require(raw, "commands", list, where), f"{where}.commands"),
            links=_str_list(_require(raw, "links", list, where), f"{where}.links"),
        )


@dataclass(frozen=True)
class StepResult:
    """The outcome of one step, as the report, the UI and `--json` show it."""

    id: str
    title: str
    status: StepStatus
    duration_ms: int = 0
    detail: str = ""
    data: dict[str, Any] | None = None
    diagnosis: Diagnosis | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.status, StepStatus):
            object.__setattr__(self, "status", StepStatus(self.status))

    @property
    def skip_reason(self) -> str | None:
        """`cancelled`, `blocked` or `not_applicable` for a skipped step, else None."""
        if self.status is not StepStatus.SKIP:
            return None
        reason = (self.data or {}).get(SKIP_REASON_KEY)
        return reason if isinstance(reason, str) else SKIP_NOT_APPLICABLE

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "status": self.status.value,
            "duration_ms": self.duration_ms,
            "detail": self.detail,
            "data": self.data,
            "diagnosis": self.diagnosis.to_dict() if self.diagnosis else None,
        }

    @classmethod
    def from_dict(cls, raw: Any, where: str = "step") -> StepResult:
        status_text = _require(raw, "status", str, where)
        try:
            status = StepStatus(status_text)
        except ValueError:
            allowed = ", ".join(s.value for s in StepStatus)
            raise ValueError(f"{where}.status: {status_text!r} is not one of {allowed}") from None
        data = _require(raw, "data", (dict, type(None)), where)
        diagnosis_raw = _require(raw, "diagnosis", (dict, type(None)), where)
        duration = _require(raw, "duration_ms", int, where)
        if duration < 0:
            raise ValueError(f"{where}.duration_ms: must not be negative")
        return cls(
            id=_require(raw, "id", str, where),
            title=_require(raw, "title", str, where),
            status=status,
            duration_ms=duration,
            detail=_require(raw, "detail", str, where),
            data=data,
            diagnosis=Diagnosis.from_dict(diagnosis_raw, f"{where}.diagnosis") if diagnosis_raw else None,
        )


@dataclass(frozen=True)
class Report:
    """One check of one target: the steps in order and the overall result."""

    provider: str
    target: str
    started_at: str
    steps: tuple[StepResult, ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.steps, tuple):
            object.__setattr__(self, "steps", tuple(self.steps))

    @property
    def result(self) -> StepStatus:
        """The worst of pass / warn / fail over the steps; skips do not count.

        A report in which no step ran at all (every step skipped) proved nothing: its result is `warn`.
        """
        counted = [s.status for s in self.steps if s.status is not StepStatus.SKIP]
        if not counted:
            return StepStatus.WARN
        return max(counted, key=lambda s: s.severity)

    @property
    def cancelled(self) -> bool:
        return any(s.skip_reason == SKIP_CANCELLED for s in self.steps)

    @property
    def exit_status(self) -> ExitStatus:
        """0 when every step passed or warned, 1 when a step failed, 130 when the run was cancelled."""
        if self.result is StepStatus.FAIL:
            return ExitStatus.STEP_FAILED
        if self.cancelled:
            return ExitStatus.INTERRUPTED
        return ExitStatus.OK

    @property
    def first_failure(self) -> StepResult | None:
        return next((s for s in self.steps if s.status is StepStatus.FAIL), None)

    @property
    def diagnosis(self) -> Diagnosis | None:
        """The diagnosis of the first failed step (what a dashboard row shows), else None."""
        failed = self.first_failure
        return failed.diagnosis if failed else None

    def step(self, step_id: str) -> StepResult | None:
        return next((s for s in self.steps if s.id == step_id), None)

    def to_dict(self) -> dict[str, Any]:
        """Exactly DESIGN.md's `--json` shape, keys in the contract's order."""
        return {
            "provider": self.provider,
            "target": self.target,
            "started_at": self.started_at,
            "result": self.result.value,
            "steps": [s.to_dict() for s in self.steps],
        }

    @classmethod
    def from_dict(cls, raw: Any) -> Report:
        """Rebuild a report from `to_dict()` output (a stored check); ValueError names what is wrong."""
        steps_raw = _require(raw, "steps", list, "report")
        steps = tuple(StepResult.from_dict(s, f"report.steps[{i}]") for i, s in enumerate(steps_raw))
        report = cls(
            provider=_require(raw, "provider", str, "report"),
            target=_require(raw, "target", str, "report"),
            started_at=_require(raw, "started_at", str, "report"),
            steps=steps,
        )
        stated = raw.get("result")
        if stated is not None and stated != report.result.value:
            raise ValueError(f"report.result: says {stated!r} but the steps give {report.result.value!r}")
        return report


# --- running a check -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StepSpec:
    """A step a provider declares before running.

    `depends_on`: the ids of earlier steps this one needs. `None` (the default) means the step declared just
    before it (a plain chain); `()` means none. A step is skipped when one of its dependencies failed or was
    itself skipped because of a failure (or cancellation). A dependency that skipped itself as not
    applicable (e.g. `tls` for plain http to a loopback host) does not block.
    """

    id: str
    title: str
    depends_on: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Outcome:
    """What a step function returns; build it with `passed`, `warned`, `failed` or `skipped`."""

    status: StepStatus
    detail: str = ""
    data: dict[str, Any] | None = None
    diagnosis: Diagnosis | None = None


def passed(detail: str = "", data: dict[str, Any] | None = None) -> Outcome:
    return Outcome(StepStatus.PASS, detail, data)


def warned(detail: str, data: dict[str, Any] | None = None, diagnosis: Diagnosis | None = None) -> Outcome:
    return Outcome(StepStatus.WARN, detail, data, diagnosis)


def failed(diagnosis: Diagnosis, detail: str = "", data: dict[str, Any] | None = None) -> Outcome:
    return Outcome(StepStatus.FAIL, detail or diagnosis.cause, data, diagnosis)


def skipped(reason: str, data: dict[str, Any] | None = None) -> Outcome:
    """The step does not apply to this target (it does not block the steps that depend on it)."""
    merged = dict(data or {})
    merged[SKIP_REASON_KEY] = SKIP_NOT_APPLICABLE
    return Outcome(StepStatus.SKIP, reason, merged)


class StepFailure(Exception):
    """Raise from anywhere inside a step to fail it with a diagnosis (same as returning `failed(...)`)."""

    def __init__(self, diagnosis: Diagnosis, detail: str = "", data: dict[str, Any] | None = None) -> None:
        super().__init__(detail or diagnosis.cause)
        self.outcome = failed(diagnosis, detail, data)


class CheckCancelled(Exception):
    """Raised by `CancelToken.raise_if_cancelled` / `sleep` inside a step; the runner skips the rest."""


class CancelToken:
    """Thread-safe cancellation: the UI (or a signal handler) cancels, the worker checks."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def raise_if_cancelled(self) -> None:
        if self._event.is_set():
            raise CheckCancelled()

    def sleep(self, seconds: float) -> None:
        """Wait (e.g. a server's back-off) but wake up at once when cancelled, raising CheckCancelled."""
        if self._event.wait(max(0.0, seconds)):
            raise CheckCancelled()


StepFunction = Callable[[], Outcome | None]
StartedObserver = Callable[[str], None]
StepObserver = Callable[[StepResult], None]


def _describe_exception(exc: BaseException) -> str:
    """One plain line naming the error, short enough for a report (no traceback)."""
    text = " ".join(str(exc).split())
    if len(text) > _MAX_ERROR_TEXT:
        text = text[: _MAX_ERROR_TEXT - 1] + "…"
    name = type(exc).__name__
    return f"{name}: {text}" if text else name


class CheckRun:
    """Runs one provider's declared steps in order and builds the `Report`.

    Usage (in a provider, on a worker thread)::

        run = CheckRun("exchange", mailbox, EXCHANGE_STEPS, on_step=ui_callback, cancel=token)
        report = run.execute({"dns": self._dns, "tcp": self._tcp, ...})

    Each step function takes no arguments (providers keep their state on their own object) and returns an
    `Outcome` (`None` counts as `passed()`), or raises `StepFailure`. `results` gives the outcome of the
    steps run so far, so a later step can read an earlier step's `data`.
    """

    def __init__(
        self,
        provider: str,
        target: str,
        steps: Sequence[StepSpec],
        *,
        on_step_started: StartedObserver | None = None,
        on_step: StepObserver | None = None,
        cancel: CancelToken | None = None,
        clock: Callable[[], float] = time.monotonic,
        started_at: str | None = None,
    ) -> None:
        self.provider = provider
        self.target = target
        self.planned: tuple[StepSpec, ...] = tuple(steps)
        self._deps = _resolve_dependencies(self.planned)
        self._on_step_started = on_step_started
        self._on_step = on_step
        self.cancel = cancel or CancelToken()
        self._clock = clock
        self.started_at = started_at or utc_now_iso()
        self._results: dict[str, StepResult] = {}
        self._blocked_by: dict[str, str] = {}   # step id -> id of the failed step that blocks it
        self._ran = False

    @property
    def results(self) -> Mapping[str, StepResult]:
        return dict(self._results)

    def report(self) -> Report:
        """The report so far (complete once `execute` has returned)."""
        ordered = tuple(self._results[s.id] for s in self.planned if s.id in self._results)
        return Report(self.provider, self.target, self.started_at, ordered)

    def execute(self, functions: Mapping[str, StepFunction]) -> Report:
        declared = {s.id for s in self.planned}
        missing = [s.id for s in self.planned if s.id not in functions]
        extra = sorted(set(functions) - declared)
        if missing or extra:
            raise ValueError(f"step functions do not match the declared steps: missing {missing}, "
                             f"extra {extra}")
        if self._ran:
            raise RuntimeError("a CheckRun runs once; create a new one to check again")
        self._ran = True
        for spec in self.planned:
            self._record(spec, self._run_one(spec, functions[spec.id]))
        return self.report()

    def _run_one(self, spec: StepSpec, function: StepFunction) -> tuple[Outcome, int]:
        if self.cancel.cancelled:
            return _cancelled_outcome(), 0
        blocker = next((self._blocked_by[d] for d in self._deps[spec.id] if d in self._blocked_by), None)
        if blocker is not None:
            return self._blocked_outcome(blocker), 0
        self._notify_started(spec.id)
        start = self._clock()
        try:
            outcome = function()
            if outcome is None:
                outcome = passed()
            if not isinstance(outcome, Outcome):
                raise TypeError(f"step {spec.id!r} returned {type(outcome).__name__}, not an Outcome")
            _check_json(outcome.data, spec.id)
        except StepFailure as failure:
            outcome = failure.outcome
        except CheckCancelled:
            outcome = _cancelled_outcome()
        except Exception as exc:  # unmapped error: a plain message in the report, the traceback in the log
            log.exception("Step %r of the %s check raised an unexpected error", spec.id, self.provider)
            outcome = _unexpected_outcome(exc)
        duration_ms = max(0, round((self._clock() - start) * 1000))
        return outcome, duration_ms

    def _record(self, spec: StepSpec, result: tuple[Outcome, int]) -> None:
        outcome, duration_ms = result
        step = StepResult(spec.id, spec.title, outcome.status, duration_ms, outcome.detail, outcome.data,
                          outcome.diagnosis)
        self._results[spec.id] = step
        if outcome.status is StepStatus.FAIL:
            self._blocked_by[spec.id] = spec.id
        elif step.skip_reason == SKIP_BLOCKED:
            self._blocked_by[spec.id] = str((outcome.data or {}).get("blocked_by", spec.id))
        elif step.skip_reason == SKIP_CANCELLED:
            self._blocked_by[spec.id] = spec.id
        self._notify_step(step)

    def _blocked_outcome(self, blocker_id: str) -> Outcome:
        blocker = self._results.get(blocker_id)
        title = blocker.title if blocker else blocker_id
        if blocker is not None and blocker.skip_reason == SKIP_CANCELLED:
            return _cancelled_outcome()
        return Outcome(StepStatus.SKIP, _SKIPPED_BLOCKED.format(title=title),
                       {SKIP_REASON_KEY: SKIP_BLOCKED, "blocked_by": blocker_id})

    def _notify_started(self, step_id: str) -> None:
        if self._on_step_started is not None:
            try:
                self._on_step_started(step_id)
            except Exception:
                log.exception("An observer of the %s check failed as step %r started", self.provider, step_id)

    def _notify_step(self, step: StepResult) -> None:
        if self._on_step is not None:
            try:
                self._on_step(step)
            except Exception:
                log.exception("An observer of the %s check failed on step %r", self.provider, step.id)


def _resolve_dependencies(steps: Sequence[StepSpec]) -> dict[str, tuple[str, ...]]:
    seen: list[str] = []
    deps: dict[str, tuple[str, ...]] = {}
    for spec in steps:
        if not spec.id or spec.id in deps:
            raise ValueError(f"step ids must be unique and non-empty: {spec.id!r}")
        if spec.depends_on is None:
            deps[spec.id] = (seen[-1],) if seen else ()
        else:
            unknown = [d for d in spec.depends_on if d not in seen]
            if unknown:
                raise ValueError(f"step {spec.id!r} depends on {unknown}, which are not declared before it")
            deps[spec.id] = tuple(spec.depends_on)
        seen.append(spec.id)
    return deps


def _cancelled_outcome() -> Outcome:
    return Outcome(StepStatus.SKIP, _SKIPPED_CANCELLED, {SKIP_REASON_KEY: SKIP_CANCELLED})


# A skipped step's detail, stored and written to --json in English; `shown_detail` gives it in the reader's
# language.
_SKIPPED_BLOCKED = N_("Skipped: the step “{title}” failed.")
_SKIPPED_CANCELLED = N_("Skipped: the check was cancelled.")
_SKIPPED_BLOCKED_RE = re.compile(re.escape(_SKIPPED_BLOCKED).replace(re.escape("{title}"), "(?P<title>.*)"),
                                 re.S)


def shown_detail(step: StepResult) -> str:
    """A step's detail as a person reads it, in the current language: the runner's own words (a skipped
    step's reason) and a failure's cause translated; a provider's detail as it is. The report (and --json)
    keeps the English."""
    if step.status is StepStatus.SKIP:
        if step.detail == _SKIPPED_CANCELLED:
            return _(_SKIPPED_CANCELLED)
        blocked = _SKIPPED_BLOCKED_RE.fullmatch(step.detail)
        if blocked is not None:
            return _(_SKIPPED_BLOCKED).format(title=localized(blocked.group("title")))
    if step.diagnosis is not None and step.detail and step.detail == step.diagnosis.cause:
        from ec_console.diagnoses import localize  # the catalog imports this module

        return localize(step.diagnosis).cause
    return localized(step.detail)


def shown_title(step: StepResult | StepSpec) -> str:
    """A step's title as a person reads it, in the current language (the report keeps the English)."""
    return localized(step.title)


def _unexpected_outcome(exc: Exception) -> Outcome:
    from ec_console.diagnoses import diagnose  # the catalog imports this module

    diagnosis = diagnose("unexpected_error", error=_describe_exception(exc))
    return failed(diagnosis, diagnosis.cause)


def _check_json(data: dict[str, Any] | None, step_id: str) -> None:
    if data is None:
        return
    if not isinstance(data, dict):
        raise TypeError(f"step {step_id!r} data must be a dict, not {type(data).__name__}")
    json.dumps(data, allow_nan=False)


def declared_ids(steps: Iterable[StepSpec]) -> list[str]:
    """The ids of `steps`, in order (handy for a UI's pending list)."""
    return [s.id for s in steps]
