"""Hostile input for every parser of user input: a normalised value or a clear refusal, nothing else.

Parsers: `ec_console.validation` (addresses, accounts, URLs, tenant and client ids, scopes, names, groups,
timeouts, regions), Google key files (`providers.google.key`), OAuth client-secret files
(`google.signin.load_client_config`), the mailbox list / Get-Mailbox CSV import
(`providers.exchange.parse_mailbox_list`) and the user's `regions.toml`. Each gets a corpus of real-world
nasties (`hostile.corpus`) and property-based inputs (hypothesis, bounded), and must end in its documented
refusal — never another exception, a hang (every call runs under a deadline) or unbounded memory
(tracemalloc peak for 10 MB inputs). Bugs found are kept as `xfail(strict=True)` with the reason.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any
from unittest.mock import patch

import pytest
from hostile import corpus
from hostile.cli import MB, call_with_deadline, peak_memory
from hostile.keys import key_info
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from ec_console import paths, validation
from ec_console.errors import BadInput
from ec_console.providers.exchange.check import parse_mailbox_list
from ec_console.providers.google.key import KeyProblem, load_key, parse_key_bytes
from ec_console.providers.google.signin import ClientSecretProblem, load_client_config
from ec_console.regions import RegionConfigError, load_regions

DEADLINE = 10.0  # seconds: only a hang ever comes near it
BIG = 10 * MB
PROPERTY = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

VALIDATORS: dict[str, tuple[Callable[..., Any], list[str]]] = {
    "email_address": (validation.email_address, corpus.ADDRESSES),
    "domain_name": (validation.domain_name, [a.split("@")[-1] for a in corpus.ADDRESSES]),
    "service_account": (validation.service_account, corpus.ACCOUNTS + corpus.ADDRESSES),
    "ews_url": (validation.ews_url, corpus.URLS),
    "authority_url": (validation.authority_url, corpus.URLS),
    "api_root": (validation.api_root, corpus.URLS),
    "service_url": (lambda v: validation.service_url(v, "--url"), corpus.URLS),
    "client_id": (validation.client_id, corpus.IDENTIFIERS),
    "tenant_id": (validation.tenant_id, corpus.IDENTIFIERS + corpus.ADDRESSES),
    "google_client_id": (validation.google_client_id, corpus.IDENTIFIERS),
    "google_scope": (validation.google_scope, corpus.SCOPES),
    "timeout_seconds": (validation.timeout_seconds, corpus.TIMEOUTS),
    "group": (validation.group, corpus.NAMES),
    "application_name": (validation.application_name, corpus.NAMES),
    "region_id": (validation.region_id, ["us", "de", "US", "x" * 33, "1us", "us_east", "ü"]),
    "ca_file": (validation.ca_file, ["/etc/hostname", "/", "/dev/null", "/nonexistent/ca.pem"]),
}



def _outcome(function: Callable[..., Any], value: object) -> Any:
    """The validator's result, or its BadInput; any other exception fails the test (after the deadline)."""

    def call() -> Any:
        try:
            return function(value)
        except BadInput as refused:
            return refused

    return call_with_deadline(call, DEADLINE)


def _assert_clear_refusal(refused: BadInput) -> None:
    assert refused.message.strip(), "a refusal without a message"
    assert "\n" not in refused.message and "\r" not in refused.message, refused.message
    assert "Traceback" not in refused.message


def _corpus_cases() -> list[Any]:
    cases = []
    for name, (_function, values) in VALIDATORS.items():
        for index, value in enumerate([*values, *corpus.COMMON]):
            cases.append(pytest.param(name, value, id=f"{name}-{index}"))
    return cases


@pytest.mark.parametrize(("name", "value"), _corpus_cases())
def test_validator_corpus(name: str, value: str):
    function = VALIDATORS[name][0]
    result = _outcome_or_exception(function, value)
    assert not isinstance(result, Exception) or isinstance(result, BadInput), repr(result)
    if isinstance(result, BadInput):
        _assert_clear_refusal(result)
        return
    # Accepted: the normalised form is stable (validating it again gives the same value).
    again = _outcome(function, getattr(result, "url", None) or getattr(result, "value", None) or result)
    assert not isinstance(again, BadInput), f"{value!r} -> {result!r} is refused on a second pass: {again}"


@pytest.mark.parametrize("name", sorted(set(VALIDATORS) - {"ca_file", "timeout_seconds"}))
@PROPERTY
@given(text=st.text(max_size=300))
def test_validator_property_any_text(name: str, text: str):
    result = _outcome(VALIDATORS[name][0], text)
    if isinstance(result, BadInput):
        _assert_clear_refusal(result)


@PROPERTY
@given(
    value=st.one_of(
        st.none(),
        st.integers(),
        st.floats(),
        st.booleans(),
        st.lists(st.text(max_size=3)),
        st.binary(max_size=20),
    )
)
def test_validators_refuse_values_that_are_not_text(value: object):
    for name, (function, _values) in VALIDATORS.items():
        if name == "timeout_seconds" and isinstance(value, (int, float)) and not isinstance(value, bool):
            continue  # numbers are what it takes
        result = _outcome(function, value)
        assert isinstance(result, BadInput), f"{name} accepted {value!r}"


@PROPERTY
@given(
    local=st.from_regex(r"[a-z0-9]([a-z0-9._+-]{0,20}[a-z0-9])?", fullmatch=True).filter(
        lambda s: ".." not in s
    ),
    domain=st.from_regex(r"[a-z0-9]{1,20}(\.[a-z]{2,10}){1,3}", fullmatch=True),
)
def test_valid_addresses_are_accepted_and_stable(local: str, domain: str):
    address = f"{local}@{domain}"
    assert validation.email_address(address) == address
    assert validation.email_address(address.upper()).lower() == address


@pytest.mark.parametrize(
    "name",
    ["/tmp/" + "a" * 5000, "/tmp/" + "/".join(["b" * 200] * 30), "~no-such-user-here/ca.pem", "/tmp/a\x00b"],
    ids=["overlong-name", "overlong-path", "unknown-home", "nul"],
)
def test_ca_file_names_the_file_system_refuses_are_bad_input(name: str):
    result = _outcome_or_exception(validation.ca_file, name)
    assert isinstance(result, BadInput), repr(result)
    _assert_clear_refusal(result)
    assert result.message.startswith("--ca-file: ")


def _outcome_or_exception(function: Callable[..., Any], value: object) -> Any:
    try:
        return _outcome(function, value)
    except Exception as exc:  # noqa: BLE001 - the test names what escaped
        return exc


# --- 10 MB inputs: refused in bounded memory, no hang ----------------------------------------------------

# These three scan every character for control characters; they look at the length first.
_CHAR_SCANNERS = {"service_account", "group", "application_name"}


def _big_cases() -> list[Any]:
    cases = []
    for name in sorted(set(VALIDATORS) - {"ca_file"}):
        for filler, label in (("a", "ascii"), ("é", "latin1"), ("\U0001f600", "astral")):
            cases.append(pytest.param(name, filler, id=f"{name}-{label}"))
    return cases


@pytest.mark.parametrize(("name", "filler"), _big_cases())
def test_validator_refuses_10mb_in_bounded_memory(name: str, filler: str):
    value = filler * (BIG // len(filler.encode()))
    with peak_memory() as peak:
        result = _outcome(VALIDATORS[name][0], value)
    assert isinstance(result, BadInput)
    _assert_clear_refusal(result)
    assert len(result.message) < 1000
    assert peak[0] < 4 * BIG, f"{name}: peak {peak[0] / MB:.0f} MB for a 10 MB input"


@pytest.mark.parametrize("name", sorted(_CHAR_SCANNERS))
def test_char_scanning_validators_look_at_the_length_first(name: str, monkeypatch: pytest.MonkeyPatch):
    """10 MB of text is refused for its length without a scan of its characters."""
    scanned: list[int] = []
    monkeypatch.setattr(validation, "_no_controls", lambda text, field: scanned.append(len(text)))
    result = _outcome(VALIDATORS[name][0], "\x00" + "a" * BIG)
    assert isinstance(result, BadInput)
    assert "control" not in result.message and len(result.message) < 1000
    assert scanned == []


# --- Google key files --------------------------------------------------------------------------------------

def _key_outcome(raw: bytes) -> Any:
    def call() -> Any:
        try:
            return load_key(parse_key_bytes(raw))
        except KeyProblem as problem:
            return problem

    return call_with_deadline(call, DEADLINE)


@pytest.mark.parametrize("raw", [pytest.param(raw, id=f"key-{i}") for i, raw in enumerate(corpus.KEY_FILES)])
def test_key_file_corpus(raw: bytes):
    result = _key_outcome(raw)
    assert isinstance(result, KeyProblem), f"accepted: {result!r}"
    assert str(result).strip() and "\n" not in str(result)
    assert "PRIVATE KEY" not in str(result)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)


@pytest.mark.parametrize("kind", [[], {}, ["service_account"]], ids=["list", "object", "list-of-one"])
def test_key_type_that_is_not_text(kind: Any):
    info = {**key_info("https://oauth2.googleapis.com/token"), "type": kind}
    result = _key_outcome(json.dumps(info).encode())
    assert isinstance(result, KeyProblem)
    assert "type" in str(result) and "service_account" in str(result)


_KEY_FIELD_VALUES = st.dictionaries(
    st.sampled_from(
        [
            "client_email",
            "client_id",
            "private_key",
            "private_key_id",
            "token_uri",
            "project_id",
            "installed",
            "web",
        ]
    ),
    JSON_VALUES,
    max_size=8,
)


@PROPERTY
@given(
    fields=_KEY_FIELD_VALUES,
    kind=st.one_of(
        st.none(),
        st.text(max_size=20),
        st.integers(),
        st.sampled_from(["service_account", "authorized_user"]),
        JSON_VALUES,
    ),
)
def test_any_key_shaped_json_is_key_problem(fields: dict[str, Any], kind: Any):
    """Any JSON object with these fields and any 'type' is refused with KeyProblem."""
    if kind is not None:
        fields = {**fields, "type": kind}
    result = _key_outcome(json.dumps(fields).encode())
    assert isinstance(result, KeyProblem)


@PROPERTY
@given(
    field=st.sampled_from(["client_email", "client_id", "private_key", "private_key_id", "token_uri"]),
    value=JSON_VALUES,
)
def test_one_bad_field_of_a_good_key_is_named(field: str, value: Any):
    info = key_info("https://oauth2.googleapis.com/token")
    info[field] = value
    result = _key_outcome(json.dumps(info).encode())
    if isinstance(result, KeyProblem):
        assert field in str(result), f"the refusal does not name {field}: {result}"
    else:  # the value happened to be acceptable (e.g. another digit string for client_id): it is the one
        # kept, a client ID without the spaces or line end a copy and paste can leave around it
        kept = value.strip() if field == "client_id" else value
        assert field != "private_key" and getattr(result, field) == kept


# --- OAuth client-secret files ---------------------------------------------------------------------------

def _client_outcome(raw: bytes, tmp_path: Path) -> Any:
    path = tmp_path / "client_secret.json"
    path.write_bytes(raw)

    def call() -> Any:
        try:
            return load_client_config(path)
        except ClientSecretProblem as problem:
            return problem
        except Exception as exc:  # noqa: BLE001 - returned so the test can name it
            return exc

    return call_with_deadline(call, DEADLINE)


@pytest.mark.parametrize(
    "raw", [pytest.param(raw, id=f"client-{i}") for i, raw in enumerate(corpus.CLIENT_SECRET_FILES)]
)
def test_client_secret_corpus(raw: bytes, tmp_path):
    result = _client_outcome(raw, tmp_path)
    assert isinstance(result, ClientSecretProblem), repr(result)
    assert str(result).strip() and "\n" not in str(result)


# --- mailbox list / Get-Mailbox CSV ---------------------------------------------------------------------

def _mailbox_outcome(text: str) -> Any:
    return call_with_deadline(lambda: parse_mailbox_list(text), DEADLINE)


def _assert_sound_list(result: Any) -> None:
    assert len(set(result.addresses)) == len(result.addresses), "duplicates kept"
    for address in result.addresses:
        assert validation.email_address(address).lower() == address
    for problem in result.problems:
        assert problem.line >= 1 and problem.message.strip() and "\n" not in problem.message


@pytest.mark.parametrize(
    "text", [pytest.param(t, id=f"list-{i}") for i, t in enumerate(corpus.MAILBOX_LISTS)]
)
def test_mailbox_list_corpus(text: str):
    _assert_sound_list(_mailbox_outcome(text))


@PROPERTY
@given(text=st.text(alphabet=st.sampled_from(list('ab@.,;"\n\r#<> \té\x00')) | st.characters(), max_size=400))
def test_mailbox_list_property(text: str):
    _assert_sound_list(_mailbox_outcome(text))


@PROPERTY
@given(
    addresses=st.lists(
        st.from_regex(r"[a-z]{1,8}@[a-z]{1,8}\.example", fullmatch=True), min_size=1, max_size=20
    ),
    csv=st.booleans(),
)
def test_mailbox_list_finds_every_address(addresses: list[str], csv: bool):
    text = (
        ("PrimarySmtpAddress,DisplayName\n" + "".join(f'"{a}","X, Y"\n' for a in addresses))
        if csv
        else "\n".join(addresses)
    )
    result = _mailbox_outcome(text)
    assert result.addresses == list(dict.fromkeys(addresses))
    assert result.problems == []


@pytest.mark.slow
def test_mailbox_list_of_10mb_in_bounded_memory():
    """A 10 MB Get-Mailbox export (long display names): parsed in bounded memory, no hang."""
    rows = 10_000
    text = "PrimarySmtpAddress,DisplayName\n" + "".join(
        f'"user{i}@contoso.example","{"Display name " * 80}"\n' for i in range(rows)
    )
    assert len(text) > BIG
    with peak_memory() as peak:
        result = _mailbox_outcome(text)
    assert len(result.addresses) == rows and result.problems == []
    # Linear: the text, its lines, one re-joined copy for the CSV reader and the rows (~6x today).
    assert peak[0] < 8 * len(text), f"peak {peak[0] / MB:.0f} MB for {len(text) / MB:.0f} MB"


@pytest.mark.parametrize(
    "text",
    [
        "; ".join(f"user{i}@contoso.example" for i in range(7000)),
        "x" * BIG,
    ],
    ids=["outlook-paste-of-7000", "10mb-one-line"],
)
def test_mailbox_list_with_an_overlong_line(text: str):
    with peak_memory() as peak:
        result = _mailbox_outcome(text)
    _assert_sound_list(result)
    assert peak[0] < 6 * len(text)


def test_mailbox_list_outlook_paste_keeps_every_address_in_order():
    addresses = [f"user{i}@contoso.example" for i in range(7000)]
    result = _mailbox_outcome("; ".join(a.upper() if i % 2 else a for i, a in enumerate(addresses)))
    assert result.addresses == addresses and result.problems == []


def test_mailbox_list_problems_quote_the_entry_not_the_whole_pasted_line():
    entries = [f"user{i}@contoso.example" if i % 2 else f"bad{i}" for i in range(2000)]
    result = _mailbox_outcome("; ".join(entries))
    assert len(result.addresses) == 1000
    assert [p.text for p in result.problems] == entries[::2]
    assert {p.line for p in result.problems} == {1}
    single = _mailbox_outcome("  " + "x" * 100_000)
    assert [p.line for p in single.problems] == [1] and len(single.problems[0].text) <= 200


def test_mailbox_list_csv_row_over_the_field_limit_is_one_problem_and_the_rest_is_read():
    text = (
        "PrimarySmtpAddress,DisplayName\n"
        '"alice@contoso.com","Alice"\n'
        '"' + "x" * 200_000 + "\n"  # a quote left open on a line longer than a CSV field may be
        '"bob@contoso.com","Bob"\n'
    )
    result = _mailbox_outcome(text)
    _assert_sound_list(result)
    assert result.addresses == ["alice@contoso.com", "bob@contoso.com"]
    assert [p.line for p in result.problems] == [3]
    assert "not readable as CSV" in result.problems[0].message
    assert len(result.problems[0].text) <= 200


def test_mailbox_list_problems_carry_the_line_number_after_a_multi_line_field():
    text = 'PrimarySmtpAddress,Notes\n"alice@contoso.com","two\nlines"\nnot-an-address\n'
    result = _mailbox_outcome(text)
    assert result.addresses == ["alice@contoso.com"]
    assert [p.line for p in result.problems] == [4]


# --- the plain-ASCII domain fast path: the same answers as the IDNA round trip --------------------------

_LABEL = st.one_of(
    st.from_regex(r"[A-Za-z0-9-]{0,12}", fullmatch=True),
    st.sampled_from(["xn--80ak6aa92e", "xn--", "ab--cd", "a" * 63, "a" * 64, "-a", "a-", "1", "_x", ""]),
)
_ASCII_NAMES = st.one_of(
    st.lists(_LABEL, min_size=1, max_size=5).map(".".join),
    st.text(alphabet=st.characters(max_codepoint=127), max_size=40),
    st.integers(1, 70).map(lambda n: ".".join(["abcd"] * n)),  # around the 253-character limit
)


def _both_paths(function: Callable[[str], Any], value: str) -> tuple[Any, Any]:
    """`function(value)` with the fast path, then with every name through IDNA (results or refusals)."""

    def outcome() -> Any:
        try:
            return function(value)
        except BadInput as refused:
            return ("refused", refused.message)

    fast = outcome()
    with patch.object(validation, "_plain_ascii_domain", return_value=None):
        slow = outcome()
    return fast, slow


@PROPERTY
@given(name=_ASCII_NAMES, local=st.sampled_from(["alice", "Bob.Smith", "x+tag"]))
@example(name=".".join(["a" * 63] * 3) + "." + "b" * 61, local="alice")  # 253 characters: the limit
@example(name=".".join(["a" * 63] * 3) + "." + "b" * 62, local="alice")  # 254
@example(name="XN--80AK6AA92E.com", local="alice")
@example(name="ab--cd.Contoso.com", local="alice")
def test_ascii_fast_path_gives_the_idna_answers(name: str, local: str):
    for function, value in (
        (validation.domain_name, name),
        (validation.email_address, f"{local}@{name}"),
        (validation.tenant_id, name),
    ):
        fast, slow = _both_paths(function, value)
        assert fast == slow, f"{function.__name__}({value!r})"
    accepted = _both_paths(validation.domain_name, name)[0]
    if isinstance(accepted, str):
        fast, slow = _both_paths(validation.domain_ascii, accepted)
        assert fast == slow, f"domain_ascii({accepted!r})"


def test_ascii_fast_path_is_taken_for_plain_names_only():
    def no_idna(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("IDNA was called")

    import idna  # validation imports it where it is used (a faster start): patch the module itself

    with patch.object(idna, "encode", no_idna), patch.object(idna, "decode", no_idna):
        assert validation.email_address("Alice@Mail.Contoso-1.COM") == "Alice@mail.contoso-1.com"
        assert validation.domain_ascii("contoso.com") == "contoso.com"
    for name in ("xn--80ak6aa92e.com", "ab--cd.com", "пример.рф", "a_b.com", "-a.com", "a..com"):
        assert validation._plain_ascii_domain(name) is None, name


# --- regions.toml ---------------------------------------------------------------------------------------

def _regions_outcome(text: str) -> Any:
    (paths.config_dir() / "regions.toml").write_text(text, encoding="utf-8", errors="surrogatepass")

    def call() -> Any:
        try:
            return load_regions()
        except RegionConfigError as problem:
            return problem
        except Exception as exc:  # noqa: BLE001 - returned so the test can name it
            return exc

    return call_with_deadline(call, DEADLINE)


@pytest.mark.parametrize(
    "text", [pytest.param(t, id=f"regions-{i}") for i, t in enumerate(corpus.REGIONS_TOML)]
)
def test_regions_toml_corpus(text: str):
    result = _regions_outcome(text)
    assert not isinstance(result, Exception) or isinstance(result, RegionConfigError), repr(result)
    if isinstance(result, RegionConfigError):
        assert "regions.toml" in result.message


_TOML_VALUE = st.one_of(
    st.integers(-5, 5).map(str),
    st.booleans().map(lambda b: str(b).lower()),
    st.text(max_size=30).map(lambda s: json.dumps(s)),
    st.sampled_from(
        [
            '"https://app.example.com"',
            '"http://127.0.0.1:1"',
            '"https://[::1"',
            "[]",
            "[1, 2]",
            '["https://www.googleapis.com/auth/calendar"]',
            "{}",
        ]
    ),
)


@PROPERTY
@given(
    rid=st.sampled_from(["us", "de", "eu-2", "Bad", "x" * 40]),
    values=st.dictionaries(st.sampled_from(["name", "dashboard_url", "api_base_url"]), _TOML_VALUE),
    market=st.dictionaries(st.sampled_from(["listing_url", "client_id", "scopes"]), _TOML_VALUE),
)
def test_regions_toml_property(rid: str, values: dict[str, str], market: dict[str, str]):
    lines = [f'[regions."{rid}"]', *(f"{k} = {v}" for k, v in values.items())]
    if market:
        lines += [f'[regions."{rid}".google_marketplace]', *(f"{k} = {v}" for k, v in market.items())]
    result = _regions_outcome("\n".join(lines) + "\n")
    assert not isinstance(result, Exception) or isinstance(result, RegionConfigError), repr(result)
    if isinstance(result, RegionConfigError):
        assert "regions.toml" in result.message and "\n" not in result.message


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("regions = 5\n", "'regions'"),
        ('[[regions]]\nname = "x"\n', "array of tables"),
        ("default = [1]\n", "'default'"),
        ('default = "nowhere"\n', "'nowhere'"),
        ('[regions.us]\ndashboard_url = "https://[::1"\n', "[regions.us].dashboard_url"),
        ('[regions.us]\napi_base_url = "https://a.example:99999"\n', "[regions.us].api_base_url"),
        ('[regions.us.google_marketplace]\nlisting_url = "http://[x"\n', "google_marketplace.listing_url"),
        ("[regions.us.google_marketplace]\nclient_id = [1]\n", "google_marketplace.client_id"),
        ('[regions."us\\n"]\nname = "x"\n', "region id"),
        ("a = " + "[" * 2000 + "]" * 2000 + "\n", "nested too deeply"),
    ],
)
def test_regions_toml_refusal_names_the_user_file_and_the_field(text: str, named: str):
    result = _regions_outcome(text)
    assert isinstance(result, RegionConfigError), repr(result)
    assert str(paths.config_dir() / "regions.toml") in result.message
    assert named in result.message and "\n" not in result.message
