"""The shared transport (`providers/transport.py`): one check's trust, the answer cap, proxies, clean closing.

Each platform's provider reaches the network only through a `CheckTransport`; these tests hold the helper
itself to its promises with a loopback https server signed by a throw-away CA:

- trust is the OS store plus `--ca-file`, per transport: two transports in one process do not see each
  other's CA, and `REQUESTS_CA_BUNDLE` / `CURL_CA_BUNDLE` neither add nor replace trust;
- nothing process-wide changes (environment, default contexts, library adapter classes);
- every answer, through `requests` or httplib2, is capped at `ANSWER_LIMIT`;
- the environment's proxy is used, and `proxy_names` says which one and where it is set, without credentials;
- `close()` closes every connection the transport's sessions and httplib2 objects opened.
"""

from __future__ import annotations

import os
import ssl

import exchangelib.protocol
import pytest
import requests
import requests.adapters
from hostile import server as hs
from hostile.cli import clear_environment

from ec_console.providers import transport
from ec_console.providers.transport import ANSWER_LIMIT, AnswerTooLarge, CheckTransport
from ec_console.sandbox.tls import generate_tls_material

TIMEOUT = 5


@pytest.fixture(scope="module")
def tls(tmp_path_factory):
    return generate_tls_material(tmp_path_factory.mktemp("transport-tls"))


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch):
    clear_environment(monkeypatch)
    for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "HTTPLIB2_CA_CERTS"):
        monkeypatch.delenv(name, raising=False)


def _ok() -> hs.Answer:
    return hs.fixed(200, b'{"ok": true}', content_type="application/json")


def _https(tls, answer: hs.Answer) -> hs.HostileServer:
    return hs.HostileServer(answer, tls=tls.server.server_context())


# --- trust -------------------------------------------------------------------------------------------------


def test_a_session_trusts_its_ca_file_and_a_transport_without_it_refuses(tls):
    with _https(tls, _ok()) as server, CheckTransport(tls.ca_file) as trusting, CheckTransport() as plain:
        assert trusting.session().get(server.url("/x"), timeout=TIMEOUT).json() == {"ok": True}
        # Same process, same server, at the same time: the other check's CA is not this one's trust.
        with pytest.raises(requests.exceptions.SSLError, match="certificate verify failed"):
            plain.session().get(server.url("/x"), timeout=TIMEOUT)


def test_the_environment_ca_bundle_neither_adds_nor_replaces_trust(tls, monkeypatch):
    # The sandbox CA in REQUESTS_CA_BUNDLE must not make a transport without --ca-file trust the server ...
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(tls.ca_file))
    monkeypatch.setenv("CURL_CA_BUNDLE", str(tls.ca_file))
    with _https(tls, _ok()) as server, CheckTransport() as plain:
        with pytest.raises(requests.exceptions.SSLError):
            plain.session().get(server.url("/x"), timeout=TIMEOUT)
    # ... and an unrelated CA there must not take the place of the --ca-file trust.
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(tls.untrusted_ca_file))
    monkeypatch.setenv("CURL_CA_BUNDLE", str(tls.untrusted_ca_file))
    with _https(tls, _ok()) as server, CheckTransport(tls.ca_file) as trusting:
        assert trusting.session().get(server.url("/x"), timeout=TIMEOUT).status_code == 200


def _library_session(endpoint: str) -> requests.Session:
    """A session as exchangelib makes one: plain requests, with an adapter of its own on the endpoint."""
    session = requests.Session()
    session.mount(endpoint, requests.adapters.HTTPAdapter())
    return session


def test_a_library_session_gets_the_same_trust_through_mount(tls, monkeypatch):
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(tls.untrusted_ca_file))
    with _https(tls, _ok()) as server, CheckTransport(tls.ca_file) as shared:
        endpoint = server.url("/EWS/")
        with shared.mount(_library_session(endpoint), endpoint) as session:
            assert session.get(server.url("/EWS/Exchange.asmx"), timeout=TIMEOUT).status_code == 200
    # Without --ca-file, the environment's bundle (here: the sandbox CA) does not get into the trust either.
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(tls.ca_file))
    with _https(tls, _ok()) as server, CheckTransport() as plain:
        endpoint = server.url("/EWS/")
        with plain.mount(_library_session(endpoint), endpoint) as session:
            with pytest.raises(requests.exceptions.SSLError):
                session.get(server.url("/EWS/Exchange.asmx"), timeout=TIMEOUT)


def test_httplib2_objects_share_the_trust(tls, monkeypatch):
    monkeypatch.setenv("HTTPLIB2_CA_CERTS", str(tls.untrusted_ca_file))
    with _https(tls, _ok()) as server, CheckTransport(tls.ca_file) as trusting, CheckTransport() as plain:
        response, body = trusting.http(TIMEOUT).request(server.url("/api"))
        assert (response.status, body) == (200, b'{"ok": true}')
        with pytest.raises(ssl.SSLCertVerificationError):
            plain.http(TIMEOUT).request(server.url("/api"))


def test_the_context_requires_tls_1_2_and_checks_the_host_name(tls):
    context = CheckTransport(tls.ca_file).context
    assert context.minimum_version >= ssl.TLSVersion.TLSv1_2
    assert context.check_hostname and context.verify_mode == ssl.CERT_REQUIRED


def test_nothing_process_wide_changes(tls):
    environment = dict(os.environ)
    default_https = ssl._create_default_https_context
    adapter_class = exchangelib.protocol.BaseProtocol.HTTP_ADAPTER_CLS
    send = requests.adapters.HTTPAdapter.send
    with _https(tls, _ok()) as server, CheckTransport(tls.ca_file) as shared:
        shared.session().get(server.url("/x"), timeout=TIMEOUT)
        shared.http(TIMEOUT).request(server.url("/x"))
    assert dict(os.environ) == environment
    assert ssl._create_default_https_context is default_https
    assert exchangelib.protocol.BaseProtocol.HTTP_ADAPTER_CLS is adapter_class
    assert requests.adapters.HTTPAdapter.send is send
    # A session made without the transport still knows nothing of the check's CA.
    with _https(tls, _ok()) as server, requests.Session() as outsider:
        outsider.trust_env = False
        with pytest.raises(requests.exceptions.SSLError):
            outsider.get(server.url("/x"), timeout=TIMEOUT)


# --- the answer cap ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("chunked", [False, True], ids=["announced", "chunked"])
def test_requests_answers_over_the_limit_are_refused(tls, chunked):
    answer = hs.huge_chunked(ANSWER_LIMIT + 1) if chunked else hs.huge_body(ANSWER_LIMIT + 1)
    with _https(tls, answer) as server, CheckTransport(tls.ca_file) as shared:
        with pytest.raises(AnswerTooLarge, match="more than 16 MB"):
            shared.session().get(server.url("/big"), timeout=TIMEOUT)


def test_an_answer_of_exactly_the_limit_is_read(tls):
    with _https(tls, hs.huge_body(ANSWER_LIMIT)) as server, CheckTransport(tls.ca_file) as shared:
        assert len(shared.session().get(server.url("/big"), timeout=TIMEOUT).content) == ANSWER_LIMIT


def test_httplib2_answers_over_the_limit_are_refused(tls):
    with _https(tls, hs.huge_body(ANSWER_LIMIT + 1)) as server, CheckTransport(tls.ca_file) as shared:
        with pytest.raises(AnswerTooLarge, match="more than 16 MB"):
            shared.http(TIMEOUT).request(server.url("/big"))


# --- proxies -----------------------------------------------------------------------------------------------


def test_sessions_use_the_environment_proxy_and_its_refusal_is_named(tls, monkeypatch):
    with hs.proxy_server() as proxy, _https(tls, _ok()) as server, CheckTransport(tls.ca_file) as shared:
        monkeypatch.setenv("HTTPS_PROXY", f"http://alice:Pr0xy-Pw@127.0.0.1:{proxy.port}")
        url = server.url("/x")
        with pytest.raises(requests.exceptions.ProxyError, match="407"):
            shared.session().get(url, timeout=TIMEOUT)
        assert [r.method for r in proxy.requests] == ["CONNECT"]
        assert server.requests == []
        names = transport.proxy_names(url)
        assert names == {"proxy": f"http://127.0.0.1:{proxy.port}",
                         "proxy_source": "the environment variable HTTPS_PROXY"}
        assert "Pr0xy-Pw" not in str(names)


def test_no_proxy_reaches_the_server_directly(tls, monkeypatch):
    with hs.proxy_server() as proxy, _https(tls, _ok()) as server, CheckTransport(tls.ca_file) as shared:
        monkeypatch.setenv("HTTPS_PROXY", f"http://127.0.0.1:{proxy.port}")
        monkeypatch.setenv("NO_PROXY", "127.0.0.1")
        assert shared.session().get(server.url("/x"), timeout=TIMEOUT).status_code == 200
        assert proxy.requests == []
        assert transport.proxy_for(server.url("/x")) is None
        assert transport.proxy_names(server.url("/x")) == {}


def test_httplib2_objects_use_the_environment_proxy(tls, monkeypatch):
    with hs.proxy_server() as proxy, _https(tls, _ok()) as server, CheckTransport(tls.ca_file) as shared:
        monkeypatch.setenv("HTTPS_PROXY", f"http://127.0.0.1:{proxy.port}")
        try:
            shared.http(TIMEOUT).request(server.url("/api"))
        except Exception:  # noqa: BLE001, S110 - the refusal's form is httplib2's; where it went is the point
            pass
        assert [r.method for r in proxy.requests] == ["CONNECT"]
        assert server.requests == []


def test_httplib2_objects_honour_no_proxy(tls, monkeypatch):
    with hs.proxy_server() as proxy, _https(tls, _ok()) as server, CheckTransport(tls.ca_file) as shared:
        monkeypatch.setenv("HTTPS_PROXY", f"http://127.0.0.1:{proxy.port}")
        monkeypatch.setenv("NO_PROXY", "127.0.0.1")
        assert shared.http(TIMEOUT).request(server.url("/api"))[0].status == 200
        assert proxy.requests == []


# --- closing -----------------------------------------------------------------------------------------------


def test_close_closes_every_connection_its_sessions_and_httplib2_objects_opened(tls):
    with _https(tls, _ok()) as server:
        shared = CheckTransport(tls.ca_file)
        session, http_ = shared.session(), shared.http(TIMEOUT)  # still referenced: no collection closes them
        assert session.get(server.url("/a"), timeout=TIMEOUT).status_code == 200
        assert http_.request(server.url("/b"))[0].status == 200
        assert server.connections == 2
        shared.close()
        assert server.wait_until_clients_close()
        del session, http_


# --- what the platforms' libraries take ---------------------------------------------------------------------


def test_msal_takes_a_session_as_its_http_client_and_keeps_the_checks_trust(tls, monkeypatch):
    import json

    import msal

    tenant = "5a4d1c0e-7b2f-4e8a-9c3d-5a0d0e5b1a11"
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(tls.untrusted_ca_file))

    root: list[str] = []

    def answer(request: hs.Request, conn: hs.Conn) -> None:
        if request.target.endswith("/.well-known/openid-configuration"):
            body = {"authorization_endpoint": f"{root[0]}/oauth2/v2.0/authorize",
                    "token_endpoint": f"{root[0]}/oauth2/v2.0/token", "issuer": f"{root[0]}/v2.0"}
        else:
            body = {"token_type": "Bearer", "expires_in": 3599, "access_token": "fictional-token"}
        conn.send(hs.http_answer(200, json.dumps(body).encode(), content_type="application/json"))

    def app(server: hs.HostileServer, session: requests.Session) -> msal.ConfidentialClientApplication:
        return msal.ConfidentialClientApplication(
            "00000000-0000-0000-0000-00000000c11e", client_credential="fictional-secret",
            authority=server.url(f"/{tenant}"), http_client=session, instance_discovery=False,
            azure_region=False)

    with _https(tls, answer) as server, CheckTransport(tls.ca_file) as shared, CheckTransport() as plain:
        root.append(server.url(f"/{tenant}"))
        result = app(server, shared.session()).acquire_token_for_client(["https://graph.microsoft.com/.default"])
        assert result.get("access_token") == "fictional-token"
        assert [r.method for r in server.requests] == ["GET", "POST"]
        assert server.requests[1].target == f"/{tenant}/oauth2/v2.0/token"
        with pytest.raises(requests.exceptions.SSLError):  # another check's session: not this CA
            app(server, plain.session())
