"""Answer robustness of both providers: the answer-size cap, no hidden token retries, connections closed.

Against the hostile loopback server (`hostile.server`):

- answers without a length (chunked) and compressed answers that decode past the cap end in `server_error`
  ("more than 16 MB") in bounded memory, for google-auth's token request (requests), the Google APIs
  (httplib2) and exchangelib's SOAP calls;
- a token endpoint answer google-auth would retry with back-off (5xx, 408, 429, a transient OAuth error) is
  asked for once and diagnosed at once;
- an API answer cut short (clean close, no reset) is `server_error`, not a refused connection;
- the Google check closes every connection it opened when it ends (pass, fail, cancel), with the garbage
  collector off, so nothing is left for a later collection to close.

The mapping of library exceptions to codes is also tested directly (`classify_network_error`, Exchange's
`classify`), for the shapes the libraries really raise.
"""

from __future__ import annotations

import email.utils
import gc
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from exchangelib import errors as ews
from hostile import server as hs
from hostile.cli import MB, assert_no_traceback, clear_environment, peak_memory, run_cli, wire_check_command
from hostile.keys import write_key_file

from ec_console.checks import CancelToken, Report, StepStatus
from ec_console.providers.exchange.errors import ErrorContext, classify
from ec_console.providers.google import errors as google_errors
from ec_console.providers.google.check import GoogleSettings, run_google_check
from ec_console.providers.google.errors import Names
from ec_console.providers.transport import ANSWER_LIMIT, AnswerCut, AnswerTooLarge, CheckTransport, cap_answer

TIMEOUT = 1
LIMIT = TIMEOUT + 4.0
MEMORY_BOUND = 40 * MB  # a capped read holds at most the 16 MB it accepted, plus the join of it
USER = "ada@contoso.example"
ADMIN = "admin@contoso.example"
NAMES = Names(user=USER, admin=ADMIN, timeout=TIMEOUT)


@pytest.fixture(autouse=True)
def environment(monkeypatch: pytest.MonkeyPatch) -> None:
    clear_environment(monkeypatch)
    wire_check_command(monkeypatch)
    monkeypatch.setenv("EC_PASSWORD", "Answer-Robustness-Pass-3!")


@pytest.fixture
def no_gc() -> Iterator[None]:
    """The garbage collector off: a connection closed only by a collection stays open."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


# --- a Google organisation the hostile server can play ----------------------------------------------------


def _json(status: int, value: object, **headers: str) -> bytes:
    return hs.http_answer(
        status, json.dumps(value).encode(), content_type="application/json; charset=utf-8", headers=headers
    )


def token_endpoint(post_answer: hs.Answer | None = None) -> hs.Answer:
    """GET (the clock step): 200 with a Date. POST: `post_answer`, or a token."""

    def answer(request: hs.Request, conn: hs.Conn) -> None:
        if request.method == "GET":
            conn.send(hs.http_answer(200, b"", headers={"Date": email.utils.formatdate(usegmt=True)}))
        elif post_answer is not None:
            post_answer(request, conn)
        else:
            token = "ya29.answer-robustness-token-42"
            conn.send(_json(200, {"access_token": token, "expires_in": 3599, "token_type": "Bearer"}))

    return answer


def good_api(request: hs.Request, conn: hs.Conn) -> None:
    """Directory and Calendar answering as for an active user with an empty week."""
    path = request.target.split("?", 1)[0]
    if path.startswith("/admin/directory/v1/users/"):
        conn.send(_json(200, {"primaryEmail": USER, "suspended": False, "orgUnitPath": "/"}))
    elif path.startswith("/calendar/v3/calendars/"):
        conn.send(_json(200, {"id": USER, "timeZone": "Europe/Berlin"}))
    elif path.startswith("/calendar/v3/freeBusy"):
        conn.send(_json(200, {"calendars": {USER: {"busy": []}}}))
    else:
        conn.send(_json(404, {"error": {"code": 404, "message": "Not Found"}}))


def organisation(api: hs.Answer = good_api, token: hs.Answer | None = None) -> hs.Answer:
    return hs.by_path({"/token": token_endpoint(token)}, api)


def settings_for(server: hs.HostileServer, tmp_path: Path) -> GoogleSettings:
    key = write_key_file(tmp_path, server.url("/token"))
    return GoogleSettings(admin=ADMIN, user=USER, key_file=key, api_root=server.url("/"), timeout=TIMEOUT)


def first_failure(report: Report) -> tuple[str, str]:
    step = next(s for s in report.steps if s.status is StepStatus.FAIL)
    assert step.diagnosis is not None
    return step.id, step.diagnosis.code


def google_cli(server: hs.HostileServer, tmp_path: Path) -> list[str]:
    key = write_key_file(tmp_path, server.url("/token"))
    return [
        "check", "google", "--key-file", str(key), "--admin", ADMIN, "--user", USER,
        "--api-root", server.url("/"), "--json", "--timeout", str(TIMEOUT),
    ]  # fmt: skip


# --- the answer-size cap ------------------------------------------------------------------------------------

OVER = ANSWER_LIMIT + 4 * MB


@pytest.mark.slow
@pytest.mark.parametrize(
    ("where", "answer"),
    [
        pytest.param("api", lambda: hs.huge_chunked(OVER), id="api-chunked"),
        pytest.param("token", lambda: hs.huge_chunked(OVER), id="token-chunked"),
        pytest.param("api", lambda: hs.compressed(b" " * OVER), id="api-gzip"),
        pytest.param("token", lambda: hs.compressed(b" " * OVER), id="token-gzip"),
    ],
)
def test_google_answer_past_the_cap_is_a_server_error(where, answer, capsys, tmp_path):
    chosen = answer()  # built before measuring: the test's own body is not the console's memory
    served = organisation(api=chosen) if where == "api" else organisation(token=chosen)
    with hs.HostileServer(served) as server, peak_memory() as peak:
        run = run_cli(capsys, google_cli(server, tmp_path), limit=LIMIT + 5)
    assert_no_traceback(run.out, run.err)
    assert run.code == 1
    failure = run.failure()
    assert failure["id"] == ("user" if where == "api" else "token"), failure
    assert failure["diagnosis"]["code"] == "server_error"
    assert "more than 16 MB" in failure["diagnosis"]["cause"]
    assert peak[0] < MEMORY_BOUND, f"peak {peak[0] / MB:.0f} MB"


@pytest.mark.slow
def test_exchange_chunked_answer_past_the_cap_is_a_server_error(capsys, tmp_path):
    unauthorized = hs.fixed(401, b"", headers=hs.EWS_AUTH_HEADERS)
    chunked = hs.huge_chunked(OVER, content_type="text/xml; charset=utf-8")
    with hs.HostileServer(hs.per_request(unauthorized, chunked)) as server, peak_memory() as peak:
        argv = [
            "check", "exchange", "--mailbox", USER, "--ews-url", server.url("/EWS/Exchange.asmx"),
            "--username", "CONTOSO\\svc-calendar", "--auth", "basic", "--json", "--timeout", str(TIMEOUT),
        ]  # fmt: skip
        run = run_cli(capsys, argv, limit=LIMIT + 5)
    assert_no_traceback(run.out, run.err)
    assert run.code == 1
    failure = run.failure()
    assert (failure["id"], failure["diagnosis"]["code"]) == ("authenticate", "server_error"), failure
    assert "more than 16 MB" in failure["diagnosis"]["cause"]
    assert peak[0] < MEMORY_BOUND, f"peak {peak[0] / MB:.0f} MB"


@pytest.mark.parametrize(("size", "refused"), [(1000, False), (1001, True)])
@pytest.mark.parametrize("chunked", [True, False], ids=["chunked", "with-length"])
def test_cap_answer_allows_the_limit_and_refuses_one_byte_more(size, refused, chunked):
    """With a length, the announcement is refused unread; without one, the read that passes the limit."""
    answer = hs.huge_chunked(size) if chunked else hs.fixed(200, b"A" * size)
    with hs.HostileServer(answer) as server, CheckTransport() as shared, shared.session() as session:
        response = session.get(server.url("/"), stream=True, timeout=5)
        try:
            if not refused:
                assert cap_answer(response, limit=1000).content == b"A" * size
            elif chunked:
                cap_answer(response, limit=1000)
                with pytest.raises(AnswerTooLarge, match="more than 1,000 bytes"):
                    _ = response.content
            else:
                with pytest.raises(AnswerTooLarge, match="more than 1,000 bytes") as caught:
                    cap_answer(response, limit=1000)
                assert caught.value.announced == size
        finally:
            response.close()


# --- token requests: asked once ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "body", "code"),
    [
        (500, {"error": "internal_failure", "error_description": "Backend Error"}, "server_error"),
        (503, {"error": "temporarily_unavailable"}, "server_error"),
        (504, "<html>Gateway Timeout</html>", "server_error"),
        (408, "", "server_error"),
        (400, {"error": "server_error", "error_description": "try again"}, "server_error"),
        (429, {"error": "rate_limit_exceeded"}, "throttled"),
    ],
)
def test_a_transient_token_answer_is_asked_for_once(status, body, code, tmp_path):
    text = body.encode() if isinstance(body, str) else json.dumps(body).encode()
    refusal = hs.fixed(status, text, content_type="application/json", headers={"Retry-After": "7"})
    with hs.HostileServer(organisation(token=refusal)) as server:
        report = run_google_check(settings_for(server, tmp_path))
    posts = [r for r in server.requests if r.method == "POST" and r.target.startswith("/token")]
    assert len(posts) == 1, "google-auth's retry loop ran"
    assert first_failure(report) == ("token", code)


def test_a_refused_grant_is_still_read_from_its_body(tmp_path):
    """Answers google-auth does not retry keep their precise diagnosis (here: a deleted key)."""
    body = {"error": "invalid_grant", "error_description": "Invalid JWT Signature."}
    refusal = hs.fixed(400, json.dumps(body).encode(), content_type="application/json")
    with hs.HostileServer(organisation(token=refusal)) as server:
        report = run_google_check(settings_for(server, tmp_path))
    assert first_failure(report) == ("token", "key_invalid_signature")


# --- answers cut short ------------------------------------------------------------------------------------

PROMISE = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 9000\r\n\r\n{\"kind\": "


@pytest.mark.parametrize("where", ["api", "token"])
def test_an_answer_cut_short_is_a_server_error(where, tmp_path):
    cut = hs.cut_mid_answer(PROMISE)
    served = organisation(api=cut) if where == "api" else organisation(token=cut)
    with hs.HostileServer(served) as server:
        report = run_google_check(settings_for(server, tmp_path))
    step = next(s for s in report.steps if s.status is StepStatus.FAIL)
    assert (step.id, step.diagnosis.code if step.diagnosis else None) == (
        "user" if where == "api" else "token",
        "server_error",
    )
    assert "cut mid-answer" in step.diagnosis.cause  # type: ignore[union-attr]


# --- connections closed when the check ends -------------------------------------------------------------


def _cancel_at(step_id: str, token: CancelToken):
    return lambda started: token.cancel() if started == step_id else None


@pytest.mark.parametrize("ending", ["pass", "fail", "cancel"])
def test_the_google_check_closes_every_connection_it_opened(ending, tmp_path, no_gc):
    api = good_api if ending != "fail" else hs.fixed(500, b"{}", content_type="application/json")
    cancel = CancelToken()
    with hs.HostileServer(organisation(api=api)) as server:
        report = run_google_check(
            settings_for(server, tmp_path),
            cancel=cancel,
            on_step_started=_cancel_at("read_calendar", cancel) if ending == "cancel" else None,
        )
        assert server.connections >= 2  # the token session and at least one API connection
        assert server.wait_until_clients_close(), "a connection of the check is still open"
    statuses = {s.id: s.status for s in report.steps}
    if ending == "pass":
        assert report.result is StepStatus.PASS, [(s.id, s.status, s.detail) for s in report.steps]
    elif ending == "fail":
        assert first_failure(report) == ("user", "server_error")
    else:
        assert statuses["user"] is StepStatus.PASS
        assert statuses["read_calendar"] is not StepStatus.PASS


# --- library exceptions to codes --------------------------------------------------------------------------


def _raised(function) -> BaseException:  # type: ignore[no-untyped-def]
    try:
        function()
    except BaseException as exc:  # noqa: BLE001 - the exception is the subject of the test
        return exc
    raise AssertionError("nothing was raised")


def _chunked_error() -> None:
    import urllib3.exceptions

    try:
        raise urllib3.exceptions.ProtocolError("Connection broken: IncompleteRead(26 bytes read, 8974 more)")
    except urllib3.exceptions.ProtocolError as exc:
        raise requests.exceptions.ChunkedEncodingError(exc) from exc


def _throw(exc: BaseException):  # type: ignore[no-untyped-def]
    def raiser() -> None:
        raise exc

    return raiser


@pytest.mark.parametrize(
    ("make", "error"),
    [
        pytest.param(_chunked_error, "cut mid-answer", id="requests-chunked"),
        pytest.param(_throw(AnswerCut("Connection broken: ConnectionResetError(104)")), "cut mid-answer",
                     id="httplib2-cut"),
        pytest.param(_throw(requests.exceptions.TooManyRedirects("Exceeded 30 redirects.")), "redirect loop",
                     id="redirects"),
        pytest.param(_throw(AnswerTooLarge()), "more than 16 MB", id="too-large"),
    ],
)  # fmt: skip
def test_google_network_errors_that_follow_an_answer_are_server_errors(make, error):
    diagnosis = google_errors.classify_network_error(_raised(make), NAMES, host="oauth2.example", port=443)
    assert diagnosis.code == "server_error"
    assert error in diagnosis.cause


def test_a_refused_connection_stays_tcp_unreachable():
    with pytest.raises(requests.exceptions.ConnectionError) as caught:
        requests.get("http://127.0.0.1:9/", timeout=2)
    diagnosis = google_errors.classify_network_error(caught.value, NAMES, host="127.0.0.1", port=9)
    assert diagnosis.code == "tcp_unreachable"


def test_exchange_reset_mid_answer_reraised_by_exchangelib_is_a_server_error():
    def reraised() -> None:
        try:
            _chunked_error()
        except requests.exceptions.ChunkedEncodingError as exc:
            raise ews.ErrorTimeoutExpired(f"Reraised from {exc.__class__.__name__}({exc})") from None

    code, detail, names = classify(_raised(reraised), ErrorContext(host="mail.contoso.example", timeout=2))
    assert code == "server_error"
    assert "cut mid-answer" in detail
    assert "cut mid-answer" in names["error"]


def test_exchange_silence_reraised_by_exchangelib_stays_a_timeout():
    exc = ews.ErrorTimeoutExpired("Reraised from ReadTimeout(HTTPConnectionPool: Read timed out.)")
    assert classify(exc, ErrorContext(host="mail.contoso.example", timeout=2))[0] == "timeout"


def test_exchange_oversized_answer_behind_another_exception_is_found():
    def hidden() -> None:
        try:
            raise AnswerTooLarge()
        except AnswerTooLarge:
            raise ews.TransportError("something went wrong") from None

    code, _detail, names = classify(_raised(hidden), ErrorContext(host="mail.contoso.example", timeout=2))
    assert code == "server_error"
    assert names["error"] == "the server sent more than 16 MB"
