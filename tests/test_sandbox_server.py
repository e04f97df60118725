"""The sandbox's HTTP(S) base: loopback only, redacted request log, latency, silence, clean stop."""

from __future__ import annotations

import http.client
import os
import socket
import ssl
import threading

import pytest

from ec_console.sandbox import Sandbox, run_serve
from ec_console.sandbox.exchange.ntlm import ENV_VAR
from ec_console.sandbox.server import Response, SandboxHTTPServer
from ec_console.sandbox.tls import generate_tls_material


def _echo(request):
    return Response.text(200, request.body.decode() or "empty")


@pytest.fixture
def plain():
    server = SandboxHTTPServer("plain")
    server.route("POST", "/echo", _echo)
    with server:
        yield server


def _post(server, path, body=b"", headers=None, timeout=5):
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=timeout)
    try:
        conn.request("POST", path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def test_binds_to_loopback_on_an_ephemeral_port(plain):
    assert plain._server.server_address[0] == "127.0.0.1"
    assert plain.port != 0
    assert plain.url == f"http://127.0.0.1:{plain.port}"


def test_routes_and_unknown_paths(plain):
    assert _post(plain, "/echo", b"hello") == (200, b"hello")
    assert _post(plain, "/nowhere")[0] == 404
    conn = http.client.HTTPConnection("127.0.0.1", plain.port, timeout=5)
    conn.request("GET", "/echo")
    assert conn.getresponse().status == 405
    conn.close()


def test_request_log_redacts_credentials(plain):
    _post(plain, "/echo", b"x", {"Authorization": "Basic c3ZjOnNlY3JldA==", "Cookie": "session=abc"})
    record = plain.requests.find(path="/echo")[0]
    assert record.header("Authorization") == "Basic [redacted]"
    assert record.header("Cookie") == "[redacted]"
    assert "c3ZjOnNlY3JldA" not in repr(record)
    assert record.method == "POST" and record.body == b"x" and record.status == 200


def test_keep_alive_serves_several_requests_on_one_connection(plain):
    conn = http.client.HTTPConnection("127.0.0.1", plain.port, timeout=5)
    for n in range(3):
        conn.request("POST", "/echo", body=str(n).encode())
        assert conn.getresponse().read() == str(n).encode()
    conn.close()
    assert len({r.connection_id for r in plain.requests}) == 1


def test_oversized_body_is_refused(plain):
    status, _ = _post(plain, "/echo", b"", {"Content-Length": str(64 * 1024 * 1024)})
    assert status == 400


def test_latency_delays_but_still_answers(plain):
    plain.latency = 0.2
    assert _post(plain, "/echo", b"late") == (200, b"late")


def test_silent_mode_never_answers_and_stop_still_joins(plain):
    plain.silent = True
    with pytest.raises((TimeoutError, socket.timeout)):
        _post(plain, "/echo", b"anyone?", timeout=0.5)
    assert plain.requests.find(path="/echo")[0].status is None


def test_stop_closes_idle_keep_alive_connections():
    server = SandboxHTTPServer("idle")
    server.route("POST", "/echo", _echo)
    server.start()
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    conn.request("POST", "/echo", body=b"x")
    conn.getresponse().read()
    server.stop()  # the connection thread is blocked reading the next request: stop must end it
    conn.close()
    assert not server.running


def test_tls_server_rejected_by_a_client_records_the_failure(tmp_path):
    tls = generate_tls_material(tmp_path)
    server = SandboxHTTPServer("tls", tls_context=tls.untrusted.server_context())
    server.route("POST", "/echo", _echo)
    with server:
        ctx = ssl.create_default_context(cafile=str(tls.ca_file))
        with pytest.raises(ssl.SSLCertVerificationError):
            with socket.create_connection(("127.0.0.1", server.port), timeout=5) as raw:
                ctx.wrap_socket(raw, server_hostname="127.0.0.1")
    assert server.tls_failures


def test_hostile_xml_is_refused_without_expanding_entities():
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>'
        b'<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>&lol2;</s:Body></s:Envelope>'
    )
    with Sandbox() as sb:
        info = sb.info()
        url = sb.variant_url("http")
        port = int(url.split(":")[2].split("/")[0])
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        import base64

        auth = base64.b64encode(f"{info.upn}:{info.password}".encode()).decode()
        conn.request(
            "POST",
            "/EWS/Exchange.asmx",
            body=bomb,
            headers={"Authorization": f"Basic {auth}", "Content-Type": "text/xml"},
        )
        response = conn.getresponse()
        body = response.read()
        conn.close()
    assert response.status == 500
    assert b"ErrorSchemaValidation" in body
    assert b"lollol" not in body


def test_ntlm_user_file_is_set_only_while_a_sandbox_runs(monkeypatch):
    monkeypatch.setenv(ENV_VAR, "/previous/value")
    with Sandbox():
        path = os.environ[ENV_VAR]
        assert path != "/previous/value"
        content = open(path).read()
        assert "Sandbox-Calendar-2026!" not in content  # hashes only, never the password
        assert os.stat(path).st_mode & 0o077 == 0
    assert os.environ[ENV_VAR] == "/previous/value"
    assert not os.path.exists(path)


def test_run_serve_prints_one_json_object_and_stops(capsys):
    import io
    import json

    out, stop = io.StringIO(), threading.Event()
    result: list[int] = []
    thread = threading.Thread(target=lambda: result.append(run_serve(True, out=out, stop=stop)))
    thread.start()
    try:
        for _ in range(200):
            if out.getvalue():
                break
            stop.wait(0.05)
        info = json.loads(out.getvalue())
    finally:
        stop.set()
        thread.join()
    assert result == [0]
    for key in (
        "ews_url",
        "autodiscover_url",
        "authority",
        "ca_file",
        "username",
        "password",
        "tenant_id",
        "client_id",
        "client_secret",
        "scope_group",
        "scope_group_dn",
        "mailboxes_in_scope",
        "mailboxes_out_of_scope",
        "mailbox_throttled",
        "mailbox_ews_blocked",
    ):
        assert key in info
    assert info["ews_url"].startswith("https://127.0.0.1:")
    assert not os.path.exists(info["ca_file"]), "the temporary folder goes when the sandbox stops"


def test_run_serve_human_output_names_the_urls_and_ca_file():
    import io

    out, stop = io.StringIO(), threading.Event()
    thread = threading.Thread(target=run_serve, args=(False,), kwargs={"out": out, "stop": stop})
    thread.start()
    try:
        for _ in range(200):
            if out.getvalue():
                break
            stop.wait(0.05)
    finally:
        stop.set()
        thread.join()
    text = out.getvalue()
    assert "EWS URL" in text and "/EWS/Exchange.asmx" in text and "sandbox-ca.pem" in text
