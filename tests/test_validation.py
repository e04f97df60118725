"""Input validation shared by the CLI and the wizard: normalised values, specific messages naming the field,
and nothing but BadInput (quickly) for arbitrary text."""

from __future__ import annotations

import pytest
from hostile.cli import call_with_deadline
from hypothesis import given, settings
from hypothesis import strategies as st

from ec_console import validation as v
from ec_console.errors import BadInput, ExitStatus

# --- e-mail addresses -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("alice@contoso.com", "alice@contoso.com"),
        ("  Alice.Smith@Contoso.COM ", "Alice.Smith@contoso.com"),
        ("o'brien+cal@contoso.com", "o'brien+cal@contoso.com"),
        ("jürgen@Bücher.example", None),  # non-ASCII local part: refused below
        ("info@Bücher.EXAMPLE", "info@bücher.example"),
        ("info@xn--bcher-kva.example", "info@bücher.example"),
        ("user@sandbox.example.", "user@sandbox.example"),
    ],
)
def test_email_addresses_are_normalised(raw, expected):
    if expected is None:
        with pytest.raises(BadInput):
            v.email_address(raw)
    else:
        assert v.email_address(raw) == expected


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("alice", "--mailbox: 'alice' has no '@'"),
        ("a@b@contoso.com", "more than one '@'"),
        ("@contoso.com", "nothing before the '@'"),
        ("a..b@contoso.com", "misplaced dot"),
        (".a@contoso.com", "misplaced dot"),
        ("a b@contoso.com", "contains ' '"),
        ('"quoted"@contoso.com', "contains '\"'"),
        ("alice@localhost", "needs a dot"),
        ("alice@contoso..com", "not a valid domain name"),
        ("alice@-contoso.com", "not a valid domain name"),
        ("alice@10.0.0.1", "looks like an IP address"),
        ("x" * 65 + "@contoso.com", "longer than 64"),
        ("", "a value is required"),
        ("   ", "a value is required"),
    ],
)
def test_bad_email_addresses_get_specific_messages(raw, message):
    with pytest.raises(BadInput) as caught:
        v.email_address(raw, "--mailbox")
    assert message in caught.value.message
    assert caught.value.message.startswith("--mailbox")
    assert caught.value.exit_status is ExitStatus.BAD_INPUT


def test_address_length_limit_counts_the_ascii_domain():
    long_domain = ".".join(["a" * 60] * 4) + ".com"  # valid labels, 247 characters
    with pytest.raises(BadInput, match="longer than 254"):
        v.email_address("abcdefghij@" + long_domain)


def test_non_string_input_is_bad_input():
    with pytest.raises(BadInput, match="expected text"):
        v.email_address(42)
    with pytest.raises(BadInput, match="required"):
        v.email_address(None)


# --- service accounts -------------------------------------------------------------------------------------


def test_service_account_forms():
    down = v.service_account("contoso\\svc-calendar")
    assert (down.value, down.kind, down.domain, down.user) == (
        "CONTOSO\\svc-calendar", "down_level", "CONTOSO", "svc-calendar")
    upn = v.service_account("svc-calendar@Contoso.com")
    assert (upn.value, upn.kind, upn.domain, upn.user) == ("svc-calendar@contoso.com", "upn", "contoso.com",
                                                           "svc-calendar")


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("svc", "must be DOMAIN\\user or a user principal name"),
        ("a\\b\\c", "more than one backslash"),
        ("\\svc", "needs both parts"),
        ("CONTOSO\\", "needs both parts"),
        ("WAYTOOLONGDOMAINNAME\\svc", "not a valid NetBIOS domain name"),
        ("CONTOSO\\svc[1]", "contains '['"),
        ("CONTOSO\\svc.", "must not end with a dot"),
        ("svc@", "(a service account is DOMAIN\\user or user@domain)"),
        ("CONTOSO\\svc\x00", "control or invisible character (U+0000)"),
    ],
)
def test_bad_service_accounts(raw, message):
    with pytest.raises(BadInput) as caught:
        v.service_account(raw, "--username")
    assert message in caught.value.message and caught.value.message.startswith("--username")


# --- URLs -------------------------------------------------------------------------------------------------


def test_https_ews_url_is_normalised():
    parsed = v.ews_url("HTTPS://Mail.Contoso.com/EWS/Exchange.asmx")
    assert parsed.url == "https://mail.contoso.com/EWS/Exchange.asmx"
    assert (parsed.host, parsed.port, parsed.scheme, parsed.plain_http_warning) == ("mail.contoso.com", 443,
                                                                                     "https", False)


@pytest.mark.parametrize("url", ["http://127.0.0.1:8080/EWS/Exchange.asmx", "http://localhost/EWS/Exchange.asmx",
                                 "http://[::1]:9000/EWS/Exchange.asmx", "http://127.5.6.7/ews"])
def test_plain_http_to_loopback_is_accepted_without_warning(url):
    parsed = v.ews_url(url)
    assert parsed.scheme == "http" and not parsed.plain_http_warning


def test_plain_http_elsewhere_is_accepted_with_a_warning_flag():
    parsed = v.ews_url("http://mail.contoso.com/EWS/Exchange.asmx")
    assert parsed.plain_http_warning and parsed.port == 80


def test_ipv6_host_keeps_its_brackets():
    assert v.ews_url("https://[::1]:8443/EWS/Exchange.asmx").url == "https://[::1]:8443/EWS/Exchange.asmx"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("ftp://mail.contoso.com/EWS", "must start with https://"),
        ("mail.contoso.com/EWS/Exchange.asmx", "must start with https://"),
        ("https://svc:Secret1@mail.contoso.com/EWS/Exchange.asmx",
         "must not contain a user name or password"),
        ("https:///EWS/Exchange.asmx", "has no host name"),
        ("https://mail.contoso.com", "give the full EWS address, for example "
                                     "https://mail.contoso.com/EWS/Exchange.asmx"),
        ("https://mail.contoso.com/", "give the full EWS address"),
        ("https://mail.contoso.com:99999/EWS", "is not a valid URL"),
        ("https://mail.contoso.com/EWS?x=1", "must not have a query string"),
        ("https://mail.contoso.com/EWS#frag", "fragment"),
        ("https://mail contoso.com/EWS", "contains a space"),
        ("https://mail..contoso.com/EWS", "is not a valid host name"),
    ],
)
def test_bad_ews_urls(raw, message):
    with pytest.raises(BadInput) as caught:
        v.ews_url(raw, "--ews-url")
    assert message in caught.value.message and caught.value.message.startswith("--ews-url")


def test_user_password_in_url_is_not_echoed():
    with pytest.raises(BadInput) as caught:
        v.ews_url("https://svc:Secret1@mail.contoso.com/EWS/Exchange.asmx")
    assert "Secret1" not in caught.value.message


def test_authority_url():
    assert v.authority_url("https://login.microsoftonline.com/") == "https://login.microsoftonline.com"
    assert v.authority_url("https://login.microsoftonline.us") == "https://login.microsoftonline.us"
    assert v.authority_url("https://127.0.0.1:5443") == "https://127.0.0.1:5443"
    with pytest.raises(BadInput, match="plain http"):
        v.authority_url("http://login.microsoftonline.com")
    # Not even for this computer: the token request carries the client secret and oauthlib sends it only
    # over https (InsecureTransportError), so the check could only fail later, blaming nobody rightly.
    with pytest.raises(BadInput, match="plain http.*https"):
        v.authority_url("http://127.0.0.1:5443")
    with pytest.raises(BadInput, match="only a scheme and host"):
        v.authority_url("https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token")


def test_api_root():
    assert v.api_root("https://127.0.0.1:9443/google") == "https://127.0.0.1:9443/google/"
    assert v.api_root("https://www.googleapis.com/") == "https://www.googleapis.com/"
    with pytest.raises(BadInput, match="plain http"):
        v.api_root("http://www.googleapis.com/")


def test_is_loopback_host():
    assert all(v.is_loopback_host(h) for h in ("localhost", "127.0.0.1", "::1", "[::1]", "app.localhost"))
    assert not any(v.is_loopback_host(h) for h in ("10.0.0.1", "mail.contoso.com", "localhost.contoso.com"))


# --- identifiers ------------------------------------------------------------------------------------------


def test_guids_are_lower_cased_and_braces_dropped():
    assert v.client_id("{3C9D2A41-6F0E-4B7A-8D25-1E0F4A6B7C01}") == "3c9d2a41-6f0e-4b7a-8d25-1e0f4a6b7c01"
    for bad in ("3c9d2a41", "3c9d2a41-6f0e-4b7a-8d25-1e0f4a6b7c0z", "3c9d2a416f0e4b7a8d251e0f4a6b7c01"):
        with pytest.raises(BadInput, match="--client-id: .* is not a GUID"):
            v.client_id(bad)


def test_tenant_is_a_guid_or_a_domain():
    assert v.tenant_id("5A4D1C0E-7B2F-4E8A-9C3D-5A0D0E5B1A11") == "5a4d1c0e-7b2f-4e8a-9c3d-5a0d0e5b1a11"
    assert v.tenant_id("Contoso.onmicrosoft.com") == "contoso.onmicrosoft.com"
    assert v.tenant_id("bücher.example") == "xn--bcher-kva.example"
    with pytest.raises(BadInput, match="neither a tenant GUID nor a domain"):
        v.tenant_id("contoso")
    with pytest.raises(BadInput, match="is not a GUID"):
        v.tenant_id("5a4d1c0e-7b2f-4e8a-9c3d-5a0d0e5b1aZZ")


def test_google_client_id_is_numeric():
    assert v.google_client_id("102938475610293847561") == "102938475610293847561"
    with pytest.raises(BadInput, match="not a numeric client ID"):
        v.google_client_id("1029-38475")


def test_google_scopes():
    assert v.google_scope("https://www.googleapis.com/auth/calendar") == "https://www.googleapis.com/auth/calendar"
    assert v.google_scope("https://www.googleapis.com/auth/admin.directory.user.readonly").endswith("readonly")
    assert v.google_scope("openid") == "openid"
    assert v.google_scopes(["https://www.googleapis.com/auth/calendar", "https://www.googleapis.com/auth/calendar",
                            "email"]) == ["https://www.googleapis.com/auth/calendar", "email"]
    with pytest.raises(BadInput, match="is not a Google scope"):
        v.google_scope("calendar")
    with pytest.raises(BadInput, match="invalid scope name"):
        v.google_scope("https://www.googleapis.com/auth/Calendar Read")
    with pytest.raises(BadInput, match="at least one scope"):
        v.google_scopes([])


@pytest.mark.parametrize(("raw", "expected"), [("15", 15.0), (" 2.5 ", 2.5), (1, 1.0), (300, 300.0)])
def test_timeouts(raw, expected):
    assert v.timeout_seconds(raw) == expected


@pytest.mark.parametrize(("raw", "message"), [("0", "out of range; use 1 to 300"), ("301", "out of range"),
                                              ("-5", "out of range"), ("nan", "from 1 to 300"),
                                              ("inf", "from 1 to 300"), ("ten", "is not a number"),
                                              (True, "expected a number"), ("", "required")])
def test_bad_timeouts(raw, message):
    with pytest.raises(BadInput, match=message):
        v.timeout_seconds(raw)


def test_groups_and_distinguished_names():
    assert v.group("EC Calendar Users") == "EC Calendar Users"
    assert v.group("ec-calendar@contoso.com") == "ec-calendar@contoso.com"
    assert v.group("CN=EC Users , OU=Groups,DC=contoso,DC=com") == "CN=EC Users,OU=Groups,DC=contoso,DC=com"
    escaped = "CN=Smith\\, John,OU=Groups,DC=contoso,DC=com"
    assert v.group(escaped) == escaped
    assert v.is_distinguished_name("CN=x,DC=y") and not v.is_distinguished_name("just a name")
    with pytest.raises(BadInput, match="not a well-formed distinguished name"):
        v.group("CN=EC Users,,DC=contoso")
    with pytest.raises(BadInput, match="not a well-formed distinguished name"):
        v.group("CN=EC Users,DC=contoso\\")
    with pytest.raises(BadInput, match="control or invisible"):
        v.group("EC\tUsers")


def test_application_names():
    assert v.application_name("  Acme scheduling  ") == "Acme scheduling"
    assert v.application_name("x" * 100) == "x" * 100
    with pytest.raises(BadInput, match="101 characters; at most 100"):
        v.application_name("x" * 101)
    with pytest.raises(BadInput, match="U\\+202E"):
        v.application_name("evil\u202eexe.txt")
    with pytest.raises(BadInput, match="required"):
        v.application_name("   ")


def test_region_ids():
    assert v.region_id(" US ") == "us"
    assert v.region_id("eu-west-2") == "eu-west-2"
    for bad in ("1us", "us_east", "u" * 33, "dé"):
        with pytest.raises(BadInput, match="is not a region id"):
            v.region_id(bad)


# --- arbitrary input: only BadInput, and quickly -----------------------------------------------------------

VALIDATORS = [v.email_address, v.domain_name, v.service_account, v.ews_url, v.authority_url, v.api_root,
              v.client_id, v.tenant_id, v.google_client_id, v.google_scope, v.timeout_seconds, v.group,
              v.application_name, v.region_id, lambda text: v.service_url(text, "url")]

_ADVERSARIAL = st.one_of(
    st.text(max_size=300),
    st.text(alphabet="@.\\-:/[]%=,#?'\" aA1éx\u202e\x00", max_size=400),
    st.builds(lambda a, b: f"{a}@{b}", st.text(max_size=80), st.text(max_size=300)),
    st.builds(lambda a, b: f"https://{a}/{b}", st.text(max_size=200), st.text(max_size=100)),
    st.builds(lambda n: "a." * n + "@" + "b." * n, st.integers(0, 2000)),
)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(VALIDATORS), _ADVERSARIAL)
def test_arbitrary_text_raises_nothing_but_bad_input(validator, text):
    try:
        validator(text)
    except BadInput as exc:
        assert exc.message and "\n" not in exc.message


# What each validator must say about 2 MB of "a...a@a...a": the limit it broke (RFC 5321 section 4.5.3.1:
# 64-octet local part, 256-octet path; RFC 1035 section 2.3.4: 253-character names; the console's own caps
# for URLs, scopes, groups and names) or the form the value lacks.
# The message quotes at most a short prefix of the value, never all of it.
HUGE_REFUSALS = [
    (v.email_address, "too long for an e-mail address"),
    (v.domain_name, "too long for a domain name"),
    (v.service_account, "too long for a service account"),
    (v.ews_url, "longer than 2048 characters"),
    (v.authority_url, "longer than 2048 characters"),
    (v.api_root, "longer than 2048 characters"),
    (v.client_id, "is not a GUID"),
    (v.tenant_id, "neither a tenant GUID nor a domain"),
    (v.google_client_id, "not a numeric client ID"),
    (v.google_scope, "longer than 512 characters"),
    (v.timeout_seconds, "expected a number of seconds"),
    (v.group, "longer than 1024 characters"),
    (v.application_name, "at most 100 are allowed"),
    (v.region_id, "is not a region id"),
    (lambda text: v.service_url(text, "url"), "longer than 2048 characters"),
]


@pytest.mark.parametrize(("validator", "fragment"), HUGE_REFUSALS,
                         ids=[f.__name__.replace("<lambda>", "service_url") for f, _ in HUGE_REFUSALS])
def test_huge_input_is_refused_without_hanging(validator, fragment):
    huge = "a" * 1_000_000
    # The deadline only catches a hang (a linear scan of 2 MB takes milliseconds); no timing is asserted.
    outcome = call_with_deadline(lambda: _refusal(validator, huge + "@" + huge), 60.0)
    assert isinstance(outcome, BadInput), f"accepted 2 MB of input: {outcome!r}"[:300]
    assert fragment in outcome.message, outcome.message
    assert outcome.exit_status is ExitStatus.BAD_INPUT
    assert len(outcome.message) < 300 and "\n" not in outcome.message


def _refusal(validator, text):
    try:
        return validator(text)
    except BadInput as refused:
        return refused
