"""Logging: the redaction rules, third-party debug output, rotation, file mode and the verbose switch."""

from __future__ import annotations

import base64
import json
import logging
import os
import stat
import string
from urllib.parse import quote, urlencode

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from ec_console import logs
from ec_console.logs import REDACTED, redact, register_secret, setup_logging

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(autouse=True)
def clean_logging():
    """Leave the root logger, third-party levels and the secret registry as they were."""
    root = logging.getLogger()
    saved_root = root.level
    saved = {name: logging.getLogger(name).level for name in logs.THIRD_PARTY_LOGGERS}
    yield
    logs.reset_logging()
    root.setLevel(saved_root)
    for name, level in saved.items():
        logging.getLogger(name).setLevel(level)
    logs.clear_registered_secrets()


def read_log(path) -> str:
    for handler in logging.getLogger().handlers:
        handler.flush()
    return path.read_text(encoding="utf-8")


# -- each rule ---------------------------------------------------------------------------------------

# (line, the secret it carries, a part that must survive)
CASES = [
    ("login failed, password=hunter2-x&user=bob", "hunter2-x", "user=bob"),
    ('{"username": "svc", "password": "hu\\"nter2"}', 'hu\\"nter2', '"username": "svc"'),
    ("Password: correct horse battery", "correct horse battery", "Password: "),
    ("retrying; Password: s3cr3t!", "s3cr3t!", "retrying"),
    ("Server=db;User=sa;Password=p@ss w0rd;Timeout=30", "p@ss w0rd", "Timeout=30"),
    ("grant_type=client_credentials&client_id=abc&client_secret=S3cr%2Ft.x&scope=x", "S3cr%2Ft.x",
     "client_id=abc"),
    ('{"client_secret": "Qx8~secretvalue", "client_id": "1234"}', "Qx8~secretvalue", '"client_id": "1234"'),
    ("GET /cb?state=xyz&code=4%2F0AX4XfWhq HTTP/1.1", "4%2F0AX4XfWhq", "state=xyz"),
    ('{"code": "4/0AX4XfWhq-AbC", "state": "z"}', "4/0AX4XfWhq-AbC", '"state": "z"'),
    ("code_verifier=dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk", "dBjftJeZ4CVP", "code_verifier="),
    ("grant_type=refresh_token&refresh_token=1%2F%2F0gAbCdEf", "1%2F%2F0gAbCdEf", "grant_type=refresh_token"),
    ("{'access_token': 'ya29.a0AfH6SMBx', 'expires_in': 3599}", "ya29.a0AfH6SMBx", "'expires_in': 3599"),
    ('{"id_token": "opaque-id-token-value"}', "opaque-id-token-value", "id_token"),
    ("assertion=abc.def.ghi-assertion&grant_type=jwt-bearer", "abc.def.ghi-assertion",
     "grant_type=jwt-bearer"),
    ("Authorization: Bearer ya29.a0AfH6SMBxLongOpaqueToken", "ya29.a0AfH6SMBx", "Authorization: Bearer"),
    ("Authorization: Basic dXNlcjpwYXNzd29yZA==", "dXNlcjpwYXNzd29yZA==", "Authorization: Basic"),
    ("{'Authorization': 'Basic c3ZjLWV3czpXaW50ZXIyMDI2IQ==', 'Content-Type': 'text/xml'}",
     "c3ZjLWV3czpXaW50ZXIyMDI2IQ==", "'Content-Type': 'text/xml'"),
    ("b'POST /EWS/Exchange.asmx HTTP/1.1\\r\\nAuthorization: NTLM "
     "TlRMTVNTUAABAAAAB4IIogAAAAAAAAAAAAAAAAAAAAAKAGFKAAAADw==\\r\\nHost: mail'",
     "TlRMTVNTUAAB", "Host: mail"),
    ("WWW-Authenticate: Negotiate YIIGhgYGKwYBBQUCoIIGejCCBnagMDAuBgkqhkiC9xIBAgIGCSqGSIb3EgECAgYKKwYBBAGC",
     "YIIGhgYGKwYB", "WWW-Authenticate: Negotiate"),
    ("{'X-Header': 'a', 'Proxy-Authorization': 'Negotiate YIIGhgYGKwYBBQUCoIIGejCCBnag'}", "YIIGhgYG",
     "X-Header"),
    ("token eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJlLXNpZw and more",
     "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9", "and more"),
    ("key: -----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\nnext",
     "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC", "next"),
    ("-----BEGIN RSA PRIVATE KEY-----\\nMIIEowIBAAKCAQEAz\\n-----END RSA PRIVATE KEY-----",
     "MIIEowIBAAKCAQEAz", "-----END RSA PRIVATE KEY-----"),
    ('{"type": "service_account", "private_key_id": "1a2b", "private_key": "MIIEvQIBADANBg-not-pem", '
     '"token_uri": "https://oauth2.googleapis.com/token"}', "MIIEvQIBADANBg-not-pem",
     '"private_key_id": "1a2b"'),
    ("<t:Password>xml secret</t:Password>", "xml secret", "<t:Password>"),
    ('{\\"password\\": \\"nested-secret\\"}', "nested-secret", "password"),
]


@pytest.mark.parametrize(("line", "secret", "kept"), CASES)
def test_each_rule_redacts(line, secret, kept):
    out = redact(line)
    assert secret not in out
    assert REDACTED in out
    assert kept in out


UNCHANGED = [
    "Status code: 200",
    "Response code: ErrorImpersonateUserDenied",
    '{"error": {"code": 403, "message": "Not Authorized to access this resource/api"}}',
    '{"code": "bad_input", "message": "--mailbox is required"}',
    'WWW-Authenticate: Bearer authorization_uri="https://login.microsoftonline.com/x", error="invalid_token"',
    "WWW-Authenticate: Negotiate, NTLM",
    'WWW-Authenticate: Basic realm="mail.contoso.com"',
    "Basic authentication is disabled for this organisation; use OAuth",
    "The service account password: check it in the Admin center",
    '{"token_type": "Bearer", "expires_in": 3599, "token_uri": "https://oauth2.googleapis.com/token"}',
    "https://mail.contoso.com:443 \"POST /EWS/Exchange.asmx HTTP/1.1\" 200 None",
    "-----BEGIN CERTIFICATE-----\nMIIDdzCCAl+gAwIBAgIEAgAAuTANBgkqhkiG9w0BAQUF\n-----END CERTIFICATE-----",
    "Session 1 thread 140 timeout 15: POST'ing to https://outlook.office365.com/EWS/Exchange.asmx after 0s",
    "",
]


@pytest.mark.parametrize("line", UNCHANGED)
def test_a_line_with_no_secret_is_unchanged(line):
    assert redact(line) == line


_SENSITIVE = ("pass", "secret", "token", "code", "pwd", "assertion", "basic", "bearer", "ntlm", "negotiate",
              "kerberos", "authorization", "private", "key", "eyj")


@FAST
@given(st.text(alphabet=string.ascii_lowercase + string.digits + " ,.;:()[]-_/\n", max_size=300))
def test_ordinary_text_is_unchanged(text):
    assume(not any(word in text.lower() for word in _SENSITIVE))
    assert redact(text) == text


# -- property-based: random secrets inside realistic lines --------------------------------------------

secret_text = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zs", "Zl", "Zp")),
    min_size=6,
    max_size=40,
)
# Free-text values stop at a quote, '&', ';', '<', '>', a backslash or the end of the line (documented).
free_text_secret = secret_text.filter(lambda s: not set(s) & set("\"'&;<>\\"))
token68 = st.text(alphabet=string.ascii_letters + string.digits + "-._~+/", min_size=20, max_size=300)


def assert_hidden(line: str, *forms: str) -> None:
    assume(not any(form in REDACTED for form in forms))
    out = redact(line)
    for form in forms:
        assert form not in out, (line, out)
    assert REDACTED in out


TOKENS = ["access_token", "refresh_token", "id_token"]
FORM_FIELDS = ["password", "client_secret", *TOKENS, "assertion", "code_verifier"]
JSON_FIELDS = ["password", "client_secret", *TOKENS, "private_key", "secret"]


@FAST
@given(secret=secret_text, field=st.sampled_from(FORM_FIELDS))
def test_fields_in_form_bodies_and_query_strings(secret, field):
    body = urlencode({"grant_type": "authorization_code", field: secret, "client_id": "ec-console"})
    assume(quote(secret, safe="") not in "grant_type=authorization_code&client_id=ec-console")
    encoded = body.split(f"{field}=")[1].split("&")[0]
    assert_hidden(f"Request body was {body}", secret, quote(secret, safe=""), encoded)
    assert_hidden(f"GET https://login.example.test/cb?{body} HTTP/1.1", secret)


@FAST
@given(secret=secret_text, field=st.sampled_from(JSON_FIELDS))
def test_fields_in_json_and_reprs(secret, field):
    document = {"user": "svc@contoso.com", field: secret, "expires_in": 3599}
    # A secret that is part of the surrounding text (the field's own name, "private_key" holding "privat")
    # cannot be told apart from it: such draws say nothing about redaction.
    assume(secret not in f"svc@contoso.com 3599 expires_in user {field}")
    assert_hidden(json.dumps(document), json.dumps(secret)[1:-1], secret)
    assert_hidden(f"Obtained token {document!r}.", repr(secret)[1:-1], secret)


@FAST
@given(secret=free_text_secret, label=st.sampled_from(["Password", "password", "PASSWORD", "Client_Secret"]))
def test_labelled_values_in_free_text(secret, label):
    assume(secret not in "Server=mail; User=svc")
    assert_hidden(f"{label}: {secret}", secret)
    assert_hidden(f"Server=mail; User=svc; {label}={secret}", secret)


@FAST
@given(code=st.text(alphabet=string.ascii_letters + string.digits + "-_", min_size=20, max_size=80))
def test_authorization_codes(code):
    code = "4/0A" + code  # Google's shape; Microsoft's codes start "0.A" or "M.C"
    assert_hidden(f"GET /callback?state=s1&code={quote(code, safe='')}&scope=email HTTP/1.1", code,
                  quote(code, safe=""))
    assert_hidden(json.dumps({"code": code, "redirect_uri": "http://127.0.0.1:8765/"}), code)


@FAST
@given(token=token68, style=st.sampled_from(["header", "dict", "bytes"]))
def test_bearer_tokens(token, style):
    line = {
        "header": f"Authorization: Bearer {token}",
        "dict": f"Request headers were {{'User-Agent': 'ec', 'Authorization': 'Bearer {token}'}}",
        "bytes": f"b'GET / HTTP/1.1\\r\\nAuthorization: Bearer {token}\\r\\nAccept: */*\\r\\n'",
    }[style]
    assert_hidden(line, token)
    assert "Bearer" in redact(line)


@FAST
@given(user=st.text(min_size=1, max_size=20).filter(lambda u: ":" not in u), password=secret_text,
       style=st.sampled_from(["header", "dict", "bare"]))
def test_basic_credentials(user, password, style):
    encoded = base64.b64encode(f"{user}:{password}".encode()).decode()
    line = {
        "header": f"Authorization: Basic {encoded}",
        "dict": f"{{'Authorization': 'Basic {encoded}', 'Connection': 'keep-alive'}}",
        "bare": f"sending Basic {encoded} to mail.contoso.com",
    }[style]
    assert_hidden(line, encoded)


@FAST
@given(blob=st.binary(min_size=16, max_size=600), scheme=st.sampled_from(["NTLM", "Negotiate"]))
def test_ntlm_and_negotiate_blobs(blob, scheme):
    encoded = base64.b64encode(blob).decode()
    assert_hidden(f"Authorization: {scheme} {encoded}", encoded)
    assert_hidden(f"{{'WWW-Authenticate': '{scheme} {encoded}'}}", encoded)
    assert_hidden(f"www-authenticate: {scheme} {encoded}", encoded)


@FAST
@given(header=st.dictionaries(st.sampled_from(["alg", "typ", "kid"]), st.text(max_size=20), min_size=1),
       payload=st.dictionaries(st.text(max_size=10), st.text(max_size=30)), signature=st.binary(min_size=8))
def test_jwts(header, payload, signature):
    def segment(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).decode().rstrip("=")

    parts = [json.dumps(header).encode(), json.dumps(payload).encode(), signature]
    jwt = ".".join(segment(part) for part in parts)
    assert jwt.startswith("eyJ")
    assert_hidden(f"token request assertion {jwt} sent", jwt)
    assert_hidden(f'{{"jwt": "{jwt}"}}', jwt)


@FAST
@given(
    body=st.binary(min_size=48, max_size=1200),
    label=st.sampled_from(["PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY", "ENCRYPTED PRIVATE KEY"]),
    escaped=st.booleans(),
)
def test_pem_blocks(body, label, escaped):
    lines = base64.b64encode(body).decode()
    text = "\n".join(lines[i : i + 64] for i in range(0, len(lines), 64))
    pem = f"-----BEGIN {label}-----\n{text}\n-----END {label}-----\n"
    email = "sa@p.iam.gserviceaccount.com"
    line = json.dumps({"private_key": pem, "client_email": email}) if escaped else pem
    out = redact(line)
    assert all(chunk not in out for chunk in text.split("\n") if len(chunk) >= 8)
    assert email in out or not escaped


@FAST
@given(password=secret_text.filter(lambda s: len(s) >= logs.MIN_SECRET_CHARS),
       user=st.text(max_size=20).filter(lambda u: ":" not in u))
def test_registered_secret_in_any_form(password, user):
    logs.clear_registered_secrets()
    assert register_secret(password)
    basic = base64.b64encode(f"{user}:{password}".encode()).decode()
    urlsafe = base64.urlsafe_b64encode(f"{user}:{password}".encode()).decode().rstrip("=")
    assume(password not in "the service account said  and  went")
    assert_hidden(f"the service account said {password} and went", password)
    assert_hidden(f"redirect to ?p={quote(password, safe='')}&next=1", quote(password, safe=""))
    assert_hidden(f"blob {basic} in an unusual place", basic)
    assert_hidden(f"blob {urlsafe} in an unusual place", urlsafe)


def test_short_values_are_not_registered():
    assert not register_secret("abc")
    assert redact("abc def") == "abc def"


def test_forgotten_secret_is_no_longer_redacted():
    register_secret("Winter2026!")
    assert redact("x Winter2026! y") == f"x {REDACTED} y"
    logs.forget_secret("Winter2026!")
    assert redact("x Winter2026! y") == "x Winter2026! y"


# -- the handlers --------------------------------------------------------------------------------------


def test_log_file_is_private_utf8_and_where_the_paths_say(ec_home):
    path = setup_logging()
    assert path == ec_home / "logs" / "ec-console.log"
    logging.getLogger("ec_console.test").info("café ✓ started")
    assert "café ✓ started" in read_log(path)
    if os.name == "posix":
        assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_existing_wide_open_log_file_is_made_private(ec_home):
    path = logs.log_file_path()
    path.write_text("old line\n", encoding="utf-8")
    path.chmod(0o644)
    setup_logging()
    if os.name == "posix":
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert read_log(path).startswith("old line")


def test_third_party_debug_output_is_redacted_in_the_file(ec_home):
    path = setup_logging(verbose=True)
    basic = base64.b64encode(b"CONTOSO\\svc-ews:Winter2026!").decode()
    headers = {"User-Agent": "exchangelib", "Authorization": f"Basic {basic}", "Content-Type": "text/xml"}
    challenge = "NTLM TlRMTVNTUAACAAAADAAMADgAAAAFgomiTm90QVJlYWxDaGFsbGVuZ2U="
    logging.getLogger("urllib3.connectionpool").debug("Request headers: %s", headers)
    logging.getLogger("exchangelib.util").debug(
        "Auth type: %(auth)s\nRequest headers: %(request_headers)s\nResponse headers: %(response_headers)s",
        {"auth": "NTLM", "request_headers": headers, "response_headers": {"WWW-Authenticate": challenge}},
    )
    form = "grant_type=client_credentials&client_id=1b2c&client_secret=Qx8~Ab.cDeF_gh&scope=https%3A%2F%2Fo"
    logging.getLogger("requests_oauthlib.oauth2_session").debug("Request body was %s", form)
    logging.getLogger("requests_oauthlib.oauth2_session").debug(
        "Obtained token %s.",
        {"access_token": "eyJ0eXAiOiJKV1QifQ.eyJyb2xlcyI6W119.c2ln", "refresh_token": "M.R3_B"},
    )
    logging.getLogger("google.auth.transport.requests").debug("assertion=%s", "eyJhbGciOiJSUzI1NiJ9.e30.c2ln")

    text = read_log(path)
    for secret in (basic, "Winter2026!", "TlRMTVNTUAACAAAA", "Qx8~Ab.cDeF_gh", "eyJ0eXAiOiJKV1QifQ", "M.R3_B",
                   "eyJhbGciOiJSUzI1NiJ9"):
        assert secret not in text
    for kept in ("Request headers:", "'User-Agent': 'exchangelib'", "client_id=1b2c", "Request body was",
                 "urllib3.connectionpool", "exchangelib.util", "Auth type: NTLM"):
        assert kept in text


def test_exception_text_is_redacted(ec_home):
    path = setup_logging()
    try:
        raise RuntimeError("token endpoint said no to client_secret=Qx8~Ab.cDeF_gh")
    except RuntimeError:
        logging.getLogger("ec_console.test").exception("token request failed")
    text = read_log(path)
    assert "token request failed" in text and "RuntimeError" in text
    assert "Qx8~Ab.cDeF_gh" not in text


def test_a_bad_format_call_is_still_logged_redacted(ec_home):
    path = setup_logging()
    logging.getLogger("ec_console.test").info("two args %s %s", "password=hunter22")
    text = read_log(path)
    assert "two args" in text and "hunter22" not in text


def test_verbose_switch(ec_home):
    path = setup_logging(verbose=False)
    logging.getLogger("ec_console.test").debug("console debug one")
    logging.getLogger("ec_console.test").info("console info one")
    logging.getLogger("urllib3.connectionpool").debug("urllib3 debug one")
    text = read_log(path)
    assert "console info one" in text
    assert "console debug one" not in text and "urllib3 debug one" not in text

    setup_logging(verbose=True)
    logging.getLogger("ec_console.test").debug("console debug two")
    logging.getLogger("urllib3.connectionpool").debug("urllib3 debug two")
    logging.getLogger("exchangelib.util.xml").debug("exchangelib debug two")
    text = read_log(path)
    assert "console debug two" in text and "urllib3 debug two" in text and "exchangelib debug two" in text


def test_setup_is_idempotent(ec_home):
    setup_logging()
    path = setup_logging()
    ours = [h for h in logging.getLogger().handlers if getattr(h, "_ec_console_handler", False)]
    assert len(ours) == 1
    logging.getLogger("ec_console.test").warning("exactly once")
    assert read_log(path).count("exactly once") == 1


def test_console_handler_writes_redacted_to_stderr(ec_home, capsys):
    setup_logging(verbose=True, console=True)
    logging.getLogger("ec_console.cli").debug("connecting to mail with password=hunter22")
    err = capsys.readouterr().err
    assert "connecting to mail with password=[redacted]" in err
    setup_logging(verbose=True, console=True)
    logging.getLogger("ec_console.cli").debug("again")
    assert capsys.readouterr().err.count("again") == 1


def test_other_handlers_on_the_root_are_redacted_too(ec_home, caplog):
    setup_logging()
    logging.getLogger("ec_console.test").warning("Authorization: Bearer ya29.a0AfH6SMBxLongOpaqueToken")
    assert "ya29" not in caplog.text and "Bearer [redacted]" in caplog.text


def test_rotation_keeps_five_private_files_of_at_most_1_mb(ec_home):
    path = setup_logging()
    line = "x" * 999
    log = logging.getLogger("ec_console.test")
    for _ in range(7_000):  # about 7 MB
        log.info(line)
    read_log(path)
    files = sorted(path.parent.glob("ec-console.log*"))
    assert [f.name for f in files] == ["ec-console.log"] + [f"ec-console.log.{i}" for i in range(1, 6)]
    for file in files:
        assert file.stat().st_size <= logs.MAX_BYTES
        if os.name == "posix":
            assert stat.S_IMODE(file.stat().st_mode) == 0o600


def test_verbose_terminal_gets_one_line_while_the_file_keeps_the_traceback(capsys):
    path = logs.setup_logging(verbose=True, console=True)
    try:
        {}["region"]
    except KeyError:
        logging.getLogger("ec_console.test").exception("could not read the setting password=hunter22")
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if "could not read the setting" in line]
    assert len(lines) == 1
    assert "KeyError: 'region'" in lines[0] and "the traceback is in the log file" in lines[0]
    assert "Traceback" not in err and "hunter22" not in err
    for handler in logging.getLogger().handlers:
        handler.flush()
    text = path.read_text()
    assert "Traceback (most recent call last)" in text and "hunter22" not in text
