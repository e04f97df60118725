"""Sandbox certificates: right names and dates, deliberately bad variants, private files."""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import stat

import pytest
from cryptography import x509

from ec_console.sandbox.tls import WRONG_HOST, generate_tls_material


@pytest.fixture(scope="module")
def tls(tmp_path_factory):
    return generate_tls_material(tmp_path_factory.mktemp("tls"))


def _san(cert: x509.Certificate) -> tuple[list[str], list[str]]:
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    return san.get_values_for_type(x509.DNSName), [str(i) for i in san.get_values_for_type(x509.IPAddress)]


def test_files_are_private(tls):
    files = list(tls.folder.iterdir())
    assert {"server.key", "server-expired.key", "server-wrong-name.key", "server-untrusted.key"} <= {
        p.name for p in files}, files  # the private keys are among the files checked
    for path in files:
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600, path


def test_valid_leaf_names_loopback_and_chains_to_the_ca(tls):
    cert = tls.server.certificate()
    dns, ips = _san(cert)
    assert dns == ["localhost"] and ips == [str(ipaddress.ip_address("127.0.0.1"))]
    ca = x509.load_pem_x509_certificate(tls.ca_file.read_bytes())
    assert cert.issuer == ca.subject
    cert.verify_directly_issued_by(ca)
    now = dt.datetime.now(dt.UTC)
    assert cert.not_valid_before_utc < now < cert.not_valid_after_utc


def test_expired_leaf_is_expired(tls):
    assert tls.expired.certificate().not_valid_after_utc < dt.datetime.now(dt.UTC)


def test_wrong_name_leaf_names_another_host(tls):
    assert _san(tls.wrong_name.certificate()) == ([WRONG_HOST], [])


def test_untrusted_leaf_is_not_signed_by_the_sandbox_ca(tls):
    ca = x509.load_pem_x509_certificate(tls.ca_file.read_bytes())
    rogue = x509.load_pem_x509_certificate(tls.untrusted_ca_file.read_bytes())
    cert = tls.untrusted.certificate()
    assert cert.issuer != ca.subject
    cert.verify_directly_issued_by(rogue)


def test_unknown_variant_is_a_clear_error(tls):
    with pytest.raises(ValueError, match="unknown certificate variant 'bogus'"):
        tls.variant("bogus")
