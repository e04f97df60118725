"""The check model and the step runner: results, dependency skips, observers, cancellation, round trip."""

from __future__ import annotations

import json
import logging
import threading
import time

import pytest

from ec_console.checks import (
    CancelToken,
    CheckCancelled,
    CheckRun,
    Diagnosis,
    Report,
    StepFailure,
    StepResult,
    StepSpec,
    StepStatus,
    failed,
    passed,
    skipped,
    warned,
)
from ec_console.diagnoses import diagnose
from ec_console.errors import ExitStatus

# The skip reasons of the JSON contract, as docs/check-model.md ("StepResult") spells them.
SKIP_BLOCKED, SKIP_CANCELLED, SKIP_NOT_APPLICABLE = "blocked", "cancelled", "not_applicable"

EWS_STEPS = [
    StepSpec("resolve_endpoint", "Resolve endpoint"),
    StepSpec("dns", "DNS lookup"),
    StepSpec("tcp", "TCP connection"),
    StepSpec("tls", "TLS certificate"),
    StepSpec("authenticate", "Authenticate"),
    StepSpec("impersonate", "Impersonate mailbox"),
    StepSpec("read_calendar", "Read calendar"),
    StepSpec("restriction", "Restriction holds", depends_on=("authenticate",)),
]


def _diag(code: str = "tcp_unreachable") -> Diagnosis:
    return diagnose(code, host="mail.contoso.com", port=443)


def _step(step_id: str, status: StepStatus, **kwargs) -> StepResult:
    return StepResult(step_id, step_id.title(), status, **kwargs)


class FakeClock:
    """A monotonic clock the steps advance, so durations are exact without real waiting."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def _all_pass(steps=EWS_STEPS):
    return {s.id: (lambda: passed("ok")) for s in steps}


# --- the model --------------------------------------------------------------------------------------------


def test_status_is_a_string_enum():
    assert StepStatus("warn") is StepStatus.WARN
    assert StepStatus.FAIL == "fail"
    assert json.dumps({"s": StepStatus.PASS}) == '{"s": "pass"}'


@pytest.mark.parametrize(
    ("statuses", "result", "exit_status"),
    [
        ([StepStatus.PASS, StepStatus.PASS], StepStatus.PASS, ExitStatus.OK),
        ([StepStatus.PASS, StepStatus.WARN, StepStatus.SKIP], StepStatus.WARN, ExitStatus.OK),
        ([StepStatus.WARN, StepStatus.FAIL, StepStatus.PASS], StepStatus.FAIL, ExitStatus.STEP_FAILED),
        ([StepStatus.PASS, StepStatus.SKIP, StepStatus.SKIP], StepStatus.PASS, ExitStatus.OK),
    ],
)
def test_result_is_the_worst_status_ignoring_skips(statuses, result, exit_status):
    steps = tuple(_step(f"s{i}", s, diagnosis=_diag() if s is StepStatus.FAIL else None)
                  for i, s in enumerate(statuses))
    report = Report("exchange", "a@contoso.com", "2026-11-23T22:18:09Z", steps)
    assert report.result is result
    assert report.exit_status is exit_status
    assert int(report.exit_status) == {ExitStatus.OK: 0, ExitStatus.STEP_FAILED: 1}[exit_status]


def test_plain_values_are_normalised():
    step = StepResult("dns", "DNS", "warn")
    assert step.status is StepStatus.WARN
    report = Report("exchange", "a@b.com", "t", [step])
    assert report.steps == (step,)
    with pytest.raises(ValueError):
        StepResult("dns", "DNS", "maybe")


def test_a_report_where_nothing_ran_does_not_pass():
    report = Report("google", "u@x.com", "2026-11-23T22:18:09Z", (_step("key", StepStatus.SKIP),))
    assert report.result is StepStatus.WARN


def test_to_dict_has_exactly_the_contract_shape():
    diagnosis = _diag()
    report = Report("exchange", "alice@contoso.com", "2026-11-23T22:18:09Z", (
        _step("dns", StepStatus.PASS, duration_ms=12, detail="10.0.0.5", data={"addresses": ["10.0.0.5"]}),
        _step("tcp", StepStatus.FAIL, duration_ms=3, detail="refused", diagnosis=diagnosis),
    ))
    raw = report.to_dict()
    assert list(raw) == ["provider", "target", "started_at", "result", "steps"]
    assert raw["result"] == "fail"
    assert [list(s) for s in raw["steps"]] == [
        ["id", "title", "status", "duration_ms", "detail", "data", "diagnosis"]] * 2
    assert raw["steps"][0]["diagnosis"] is None
    assert list(raw["steps"][1]["diagnosis"]) == ["code", "cause", "remediation", "commands", "links"]
    assert raw["steps"][1]["diagnosis"]["code"] == "tcp_unreachable"
    json.dumps(raw)  # serialisable as is


def test_from_dict_round_trips_through_json():
    report = Report("google", "ünïcode@exämple.com", "2026-11-23T22:18:09Z", (
        _step("key", StepStatus.PASS, duration_ms=1, detail="key ok", data={"client_id": "123"}),
        _step("clock", StepStatus.WARN, duration_ms=40, detail="off by 90 s",
              diagnosis=diagnose("clock_skew", skew=90)),
        _step("token", StepStatus.SKIP, detail="Skipped", data={"skip_reason": SKIP_BLOCKED}),
    ))
    again = Report.from_dict(json.loads(json.dumps(report.to_dict())))
    assert again == report
    assert again.to_dict() == report.to_dict()


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda r: r["steps"][0].update(status="maybe"), "report.steps[0].status: 'maybe' is not one of"),
        (lambda r: r["steps"][0].pop("title"), "report.steps[0]: missing key 'title'"),
        (lambda r: r.update(result="pass"), "report.result: says 'pass'"),
        (lambda r: r["steps"][0].update(duration_ms="12"), "report.steps[0].duration_ms: expected int"),
        (lambda r: r["steps"][0]["diagnosis"].update(commands="x"), "diagnosis.commands"),
        (lambda r: r.update(steps={}), "report.steps: expected list"),
    ],
)
def test_from_dict_names_what_is_wrong(mutate, message):
    report = Report("exchange", "a@b.com", "2026-11-23T22:18:09Z",
                    (_step("tcp", StepStatus.FAIL, duration_ms=2, diagnosis=_diag()),))
    raw = json.loads(json.dumps(report.to_dict()))
    mutate(raw)
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("]", r"\]")):
        Report.from_dict(raw)


def test_report_helpers_find_the_first_failure():
    first, second = _diag("tcp_unreachable"), _diag("timeout")
    report = Report("exchange", "a@b.com", "t", (
        _step("dns", StepStatus.PASS), _step("tcp", StepStatus.FAIL, diagnosis=first),
        _step("tls", StepStatus.FAIL, diagnosis=second)))
    assert report.first_failure.id == "tcp"
    assert report.diagnosis is first
    assert report.step("tls").diagnosis is second
    assert report.step("nope") is None


# --- the runner -------------------------------------------------------------------------------------------


def test_all_steps_pass_in_declared_order_with_timing():
    clock = FakeClock()
    ran: list[str] = []

    def make(step_id: str, seconds: float):
        def step():
            ran.append(step_id)
            clock.advance(seconds)
            return passed(f"{step_id} fine", {"n": len(ran)})
        return step

    functions = {s.id: make(s.id, 0.001 * (i + 1)) for i, s in enumerate(EWS_STEPS)}
    report = CheckRun("exchange", "alice@contoso.com", EWS_STEPS, clock=clock,
                      started_at="2026-11-23T22:18:09Z").execute(functions)
    assert ran == [s.id for s in EWS_STEPS]
    assert [s.duration_ms for s in report.steps] == [i + 1 for i in range(len(EWS_STEPS))]
    assert report.steps[2].data == {"n": 3}
    assert report.result is StepStatus.PASS and report.exit_status is ExitStatus.OK
    assert report.started_at == "2026-11-23T22:18:09Z"


def test_started_at_is_iso_utc():
    report = CheckRun("exchange", "a@b.com", EWS_STEPS[:1]).execute({"resolve_endpoint": passed})
    assert len(report.started_at) == 20 and report.started_at.endswith("Z") and report.started_at[10] == "T"


def test_a_failure_skips_the_steps_that_depend_on_it_and_only_those():
    functions = _all_pass()
    functions["tcp"] = lambda: failed(_diag(), "connection refused")
    report = CheckRun("exchange", "alice@contoso.com", EWS_STEPS).execute(functions)
    statuses = {s.id: s.status for s in report.steps}
    assert statuses["dns"] is StepStatus.PASS
    assert statuses["tcp"] is StepStatus.FAIL
    for later in ("tls", "authenticate", "impersonate", "read_calendar", "restriction"):
        assert statuses[later] is StepStatus.SKIP
        step = report.step(later)
        assert step.skip_reason == SKIP_BLOCKED
        assert step.data["blocked_by"] == "tcp"
        assert "TCP connection" in step.detail
        assert step.duration_ms == 0 and step.diagnosis is None
    assert report.result is StepStatus.FAIL and report.exit_status is ExitStatus.STEP_FAILED


def test_explicit_dependencies_let_independent_steps_run():
    functions = _all_pass()
    functions["impersonate"] = lambda: failed(diagnose("impersonation_denied"), "denied")
    report = CheckRun("exchange", "a@contoso.com", EWS_STEPS).execute(functions)
    assert report.step("read_calendar").status is StepStatus.SKIP  # chained after impersonate
    assert report.step("restriction").status is StepStatus.PASS    # depends on authenticate only


def test_a_not_applicable_skip_does_not_block():
    functions = _all_pass()
    functions["tls"] = lambda: skipped("plain http to this computer: no TLS")
    report = CheckRun("exchange", "a@contoso.com", EWS_STEPS).execute(functions)
    assert report.step("tls").status is StepStatus.SKIP
    assert report.step("tls").skip_reason == SKIP_NOT_APPLICABLE
    assert report.step("authenticate").status is StepStatus.PASS
    assert report.result is StepStatus.PASS


def test_a_warning_does_not_block():
    functions = _all_pass()
    functions["tls"] = lambda: warned("plain http", diagnosis=diagnose("plain_http", host="mail"))
    report = CheckRun("exchange", "a@contoso.com", EWS_STEPS).execute(functions)
    assert report.step("authenticate").status is StepStatus.PASS
    assert report.result is StepStatus.WARN and report.exit_status is ExitStatus.OK


def test_blocking_is_transitive_through_skipped_steps():
    steps = [StepSpec("a", "A"), StepSpec("b", "B"), StepSpec("c", "C", depends_on=("b",)),
             StepSpec("d", "D", depends_on=())]
    report = CheckRun("x", "t", steps).execute({
        "a": lambda: failed(_diag()), "b": passed, "c": passed, "d": passed})
    assert [s.status for s in report.steps] == [StepStatus.FAIL, StepStatus.SKIP, StepStatus.SKIP,
                                                StepStatus.PASS]
    assert report.step("c").data["blocked_by"] == "a"


def test_step_failure_raised_deep_inside_a_step():
    def helper():
        raise StepFailure(diagnose("auth_failed", service_account="CONTOSO\\svc"), "401 from the server",
                          {"status": 401})

    functions = _all_pass()
    functions["authenticate"] = lambda: helper()
    report = CheckRun("exchange", "a@contoso.com", EWS_STEPS).execute(functions)
    step = report.step("authenticate")
    assert step.status is StepStatus.FAIL
    assert step.detail == "401 from the server" and step.data == {"status": 401}
    assert step.diagnosis.code == "auth_failed"


def test_failed_without_detail_uses_the_cause():
    outcome = failed(diagnose("mailbox_not_found", mailbox="nobody@contoso.com"))
    assert outcome.detail == outcome.diagnosis.cause
    assert "nobody@contoso.com" in outcome.detail


def test_unexpected_exception_becomes_plain_diagnosis(caplog):
    def broken():
        raise KeyError("ServerVersionInfo")

    functions = _all_pass()
    functions["authenticate"] = broken
    with caplog.at_level(logging.ERROR, logger="ec_console.checks"):
        report = CheckRun("exchange", "a@contoso.com", EWS_STEPS).execute(functions)
    step = report.step("authenticate")
    assert step.status is StepStatus.FAIL
    assert step.diagnosis.code == "unexpected_error"
    assert "KeyError" in step.diagnosis.cause and "ServerVersionInfo" in step.diagnosis.cause
    text = json.dumps(report.to_dict())
    assert "Traceback" not in text and "File \"" not in text
    assert report.step("impersonate").status is StepStatus.SKIP
    logged = [r for r in caplog.records if r.exc_info]
    assert logged and logged[0].exc_info[0] is KeyError


def test_a_long_multiline_exception_message_is_one_short_line():
    def broken():
        raise RuntimeError("line one\nline two " + "x" * 1000)

    report = CheckRun("x", "t", [StepSpec("a", "A")]).execute({"a": broken})
    cause = report.steps[0].diagnosis.cause
    assert "\n" not in cause and "line one line two" in cause and len(cause) < 400


@pytest.mark.parametrize("bad", [lambda: "passed", lambda: passed("x", {"when": object()}),
                                 lambda: passed("x", {"v": float("nan")})])
def test_a_step_returning_something_unusable_fails_plainly(bad):
    report = CheckRun("x", "t", [StepSpec("a", "A")]).execute({"a": bad})
    assert report.steps[0].status is StepStatus.FAIL
    assert report.steps[0].diagnosis.code == "unexpected_error"
    json.dumps(report.to_dict(), allow_nan=False)


def test_none_counts_as_pass():
    report = CheckRun("x", "t", [StepSpec("a", "A")]).execute({"a": lambda: None})
    assert report.steps[0].status is StepStatus.PASS


def test_observers_see_each_step_start_and_finish_in_order():
    events: list[tuple[str, str]] = []
    functions = _all_pass()
    functions["tls"] = lambda: failed(diagnose("tls_untrusted", host="mail"))
    run = CheckRun("exchange", "a@contoso.com", EWS_STEPS,
                   on_step_started=lambda step_id: events.append(("start", step_id)),
                   on_step=lambda result: events.append((result.status.value, result.id)))
    assert [s.id for s in run.planned] == [s.id for s in EWS_STEPS]  # the UI can list them all as pending
    run.execute(functions)
    assert events[:6] == [("start", "resolve_endpoint"), ("pass", "resolve_endpoint"), ("start", "dns"),
                          ("pass", "dns"), ("start", "tcp"), ("pass", "tcp")]
    assert events[6:8] == [("start", "tls"), ("fail", "tls")]
    # skipped steps are reported but never "started"
    skipped_ids = ("authenticate", "impersonate", "read_calendar", "restriction")
    assert events[8:] == [("skip", s) for s in skipped_ids]


def test_a_failing_observer_does_not_break_the_check(caplog):
    def observer(_result):
        raise RuntimeError("widget gone")

    with caplog.at_level(logging.ERROR, logger="ec_console.checks"):
        report = CheckRun("exchange", "a@contoso.com", EWS_STEPS, on_step=observer,
                          on_step_started=observer).execute(_all_pass())
    assert report.result is StepStatus.PASS and len(report.steps) == len(EWS_STEPS)
    assert any("observer" in r.getMessage() for r in caplog.records)


def test_partial_report_during_the_run():
    seen: list[int] = []
    run: CheckRun

    def observer(_result):
        seen.append(len(run.report().steps))

    run = CheckRun("exchange", "a@contoso.com", EWS_STEPS, on_step=observer)
    run.execute(_all_pass())
    assert seen == list(range(1, len(EWS_STEPS) + 1))


def test_cancel_between_steps_skips_the_rest_as_cancelled():
    token = CancelToken()
    functions = _all_pass()

    def tcp():
        token.cancel()  # e.g. the user pressed Cancel while this step ran
        return passed("connected")

    functions["tcp"] = tcp
    report = CheckRun("exchange", "a@contoso.com", EWS_STEPS, cancel=token).execute(functions)
    assert report.step("tcp").status is StepStatus.PASS
    rest = report.steps[3:]
    assert rest and all(s.status is StepStatus.SKIP and s.skip_reason == SKIP_CANCELLED for s in rest)
    assert all("cancelled" in s.detail for s in rest)
    assert report.cancelled
    assert report.exit_status is ExitStatus.INTERRUPTED


def test_cancel_inside_a_waiting_step_from_another_thread():
    token = CancelToken()
    waiting = threading.Event()
    functions = _all_pass()

    def authenticate():
        waiting.set()
        token.sleep(60)  # a server back-off: cancellation must cut it short
        return passed("never")

    functions["authenticate"] = authenticate
    holder: dict[str, Report] = {}
    worker = threading.Thread(target=lambda: holder.update(
        report=CheckRun("exchange", "a@contoso.com", EWS_STEPS, cancel=token).execute(functions)))
    worker.start()
    try:
        assert waiting.wait(10)
        token.cancel()
    finally:
        worker.join(10)
    assert not worker.is_alive()
    report = holder["report"]
    assert report.step("authenticate").skip_reason == SKIP_CANCELLED
    assert report.step("restriction").skip_reason == SKIP_CANCELLED
    assert report.step("tls").status is StepStatus.PASS
    assert report.exit_status is ExitStatus.INTERRUPTED


def test_cancel_token_sleep_waits_when_not_cancelled_and_raises_when_cancelled():
    token = CancelToken()
    started = time.monotonic()
    assert token.sleep(0.05) is None  # a back-off: it really waits (a lower bound only, never an upper one)
    assert time.monotonic() - started >= 0.045  # (clock granularity)
    token.raise_if_cancelled()
    assert not token.cancelled
    token.cancel()
    with pytest.raises(CheckCancelled):
        token.sleep(0)
    with pytest.raises(CheckCancelled):
        token.raise_if_cancelled()


def test_a_cancelled_run_with_a_failure_still_exits_1():
    token = CancelToken()
    functions = _all_pass()

    def tcp():
        token.cancel()
        return failed(_diag())

    functions["tcp"] = tcp
    report = CheckRun("exchange", "a@contoso.com", EWS_STEPS, cancel=token).execute(functions)
    assert report.exit_status is ExitStatus.STEP_FAILED


@pytest.mark.parametrize(
    ("steps", "functions", "message"),
    [
        ([StepSpec("a", "A")], {}, "missing"),
        ([StepSpec("a", "A")], {"a": passed, "b": passed}, "extra"),
        ([StepSpec("a", "A"), StepSpec("a", "A again")], {"a": passed}, "unique"),
        ([StepSpec("a", "A", depends_on=("b",)), StepSpec("b", "B")], {"a": passed, "b": passed},
         "not declared before"),
    ],
)
def test_programming_errors_are_refused_up_front(steps, functions, message):
    with pytest.raises(ValueError, match=message):
        CheckRun("x", "t", steps).execute(functions)


def test_a_run_runs_once():
    run = CheckRun("x", "t", [StepSpec("a", "A")])
    run.execute({"a": passed})
    with pytest.raises(RuntimeError):
        run.execute({"a": passed})
