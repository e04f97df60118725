"""Client-side plumbing for driving an EWS endpoint with exchangelib, with TLS trust scoped to one protocol.

exchangelib's only TLS hook is `BaseProtocol.HTTP_ADAPTER_CLS`, a class attribute: setting it on
`BaseProtocol` (or using `NoVerifyHTTPAdapter`) changes every connection in the process. And requests lets
`REQUESTS_CA_BUNDLE` / `CURL_CA_BUNDLE` replace a session's `verify=True` (its `trust_env`), so a per-session
`verify` is not reliable either. What is scoped and reliable:

1. `scoped_trust_adapter(ctx)` makes an `HTTPAdapter` subclass bound to one `ssl.SSLContext` (the OS store
   via truststore, plus an extra CA file). It hands that context to urllib3 and ignores the `verify` value
   requests computes from the environment, so verification is always on and always against *this* trust.
2. `trusted_protocol(config, ...)` makes a `Protocol` subclass whose `HTTP_ADAPTER_CLS` is that adapter and
   instantiates it **outside** exchangelib's process-wide protocol cache, so no other Configuration (and
   no later check) ever receives it or its pooled connections.
3. `trusted_account(...)` builds the `Account` (no I/O) and gives it that protocol. The OAuth token request
   goes through the same adapter: exchangelib mounts it on the token URL too.

Close with `protocol.close()` (and `exchangelib.close_connections()` for anything cached) when done.
`AuthorityOAuth2Credentials` is `OAuth2Credentials` whose token URL honours another authority (the sandbox,
or a national cloud) instead of the hard-coded login.microsoftonline.com.
"""

from __future__ import annotations

import ssl
from contextlib import suppress
from pathlib import Path
from typing import Any

import requests.adapters
import truststore
from exchangelib import Account, Configuration, OAuth2Credentials
from exchangelib.protocol import Protocol

DEFAULT_AUTHORITY = "https://login.microsoftonline.com"


def trust_context(ca_file: str | Path | None = None, *, system_store: bool = True) -> ssl.SSLContext:
    """A client TLS context: the OS certificate store (when `system_store`) plus `ca_file` (PEM), if given."""
    if system_store:
        ctx: ssl.SSLContext = truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    else:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.check_hostname = True
    ctx.verify_mode = ssl.CERT_REQUIRED
    if ca_file is not None:
        ctx.load_verify_locations(cafile=str(ca_file))
    return ctx


class ScopedTrustAdapter(requests.adapters.HTTPAdapter):
    """Verifies every https connection against `ssl_context`, whatever `verify` requests passes in."""

    ssl_context: ssl.SSLContext

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["ssl_context"] = self.ssl_context
        super().init_poolmanager(*args, **kwargs)

    def proxy_manager_for(self, proxy: str, **kwargs: Any) -> Any:
        kwargs["ssl_context"] = self.ssl_context
        return super().proxy_manager_for(proxy, **kwargs)

    def get_connection_with_tls_context(
        self, request: Any, verify: Any, proxies: Any = None, cert: Any = None
    ) -> Any:
        # `verify` may be REQUESTS_CA_BUNDLE's path: never let it choose the trust.
        return super().get_connection_with_tls_context(request, True, proxies=proxies, cert=cert)

    def cert_verify(self, conn: Any, url: str, verify: Any, cert: Any) -> None:
        super().cert_verify(conn, url, True, cert)
        if url.lower().startswith("https"):
            # Trust comes from ssl_context alone: no bundle path is loaded into it per connection.
            conn.cert_reqs = "CERT_REQUIRED"
            conn.ca_certs = None
            conn.ca_cert_dir = None


def scoped_trust_adapter(ctx: ssl.SSLContext) -> type[ScopedTrustAdapter]:
    """An adapter class bound to `ctx` (exchangelib instantiates adapter classes without arguments)."""
    return type("BoundScopedTrustAdapter", (ScopedTrustAdapter,), {"ssl_context": ctx})


def trusted_protocol(
    config: Configuration,
    ca_file: str | Path | None = None,
    *,
    system_store: bool = True,
    timeout: float | None = None,
) -> Protocol:
    """A Protocol for `config` using its own trust, created outside exchangelib's protocol cache."""
    adapter = scoped_trust_adapter(trust_context(ca_file, system_store=system_store))
    attrs: dict[str, Any] = {"HTTP_ADAPTER_CLS": adapter}
    if timeout is not None:
        attrs["TIMEOUT"] = timeout
    cls = type("ScopedTrustProtocol", (Protocol,), attrs)
    # type.__call__ skips CachingProtocol.__call__: this instance is never shared through the cache.
    return type.__call__(cls, config=config)


def trusted_account(address: str, config: Configuration, protocol: Protocol, *, access_type: str) -> Account:
    """An Account (no I/O yet) that talks through `protocol`."""
    account = Account(address, config=config, access_type=access_type, autodiscover=False)
    cached = account.protocol
    account.protocol = protocol
    if cached is not protocol and cached.config is config:
        # Account() just cached a default-trust Protocol for this very config: drop it, unused.
        with suppress(KeyError):
            del Protocol[config]
        cached.close()
    return account


class AuthorityOAuth2Credentials(OAuth2Credentials):
    """Client-credentials OAuth for EWS against any identity platform authority (scheme + host)."""

    def __init__(self, *args: Any, authority: str = DEFAULT_AUTHORITY, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.authority = authority.rstrip("/")

    @property
    def token_url(self) -> str:
        return f"{self.authority}/{self.tenant_id or 'common'}/oauth2/v2.0/token"
