"""The administrator's sign-in: OAuth 2.0 for installed apps (authorization code + PKCE), as Google serves it.

- `GET <root>/o/oauth2/auth` (and `/o/oauth2/v2/auth`): the browser side. A scripted browser picks the
  account with `login_hint` (or the sandbox's `browser_user`); without either it gets an account chooser
  page whose links add `login_hint`. On success: `302` to the loopback `redirect_uri` with `code`, `state`,
  `scope`, `authuser`, `hd`, `prompt`. A user who declines consent comes back with `error=access_denied`.
- the token endpoint's `authorization_code` grant (client secret and PKCE verified; `S256` or `plain`) and
  `refresh_token` grant (`exchange_code`, `refresh`): an access token, a refresh token for
  `access_type=offline`, and an RS256 ID token (`iss`, `azp`, `aud`, `sub`, `hd`, `email`, `email_verified`,
  `at_hash`, `nonce`, `iat`, `exp`) when `openid` was granted. A user under a reauthentication policy gets
  `invalid_grant` / `rapt_required`.
- `GET <root>/oauth2/v1/certs` (PEM certificates by kid, what google-auth's `verify_token` reads) and
  `GET <root>/oauth2/v3/certs` (JWKS); `GET <root>/oauth2/v3/userinfo`;
  `GET <root>/.well-known/openid-configuration`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

from ec_console.sandbox.google.credentials import b64url, encode_jwt
from ec_console.sandbox.google.errors import api_error, error_response, json_response
from ec_console.sandbox.google.state import (
    KNOWN_SCOPES,
    SCOPE_OPENID,
    SCOPE_USERINFO_EMAIL,
    SCOPE_USERINFO_PROFILE,
    AuthorizationCode,
    GoogleState,
    Grant,
    RefreshGrant,
    TokenStore,
    normalise_scopes,
)
from ec_console.sandbox.server import Request, Response

ID_TOKEN_ISSUER = "https://accounts.google.com"
ID_TOKEN_LIFETIME = 3600
_LOOPBACK_HOSTS = {"localhost", "127.0.0.1", "[::1]", "::1"}


# -- browser side ----------------------------------------------------------------------------------------
def _page(status: int, title: str, text: str, links: list[tuple[str, str]] | None = None) -> Response:
    items = "".join(
        f'<li><a href="{html.escape(href)}">{html.escape(label)}</a></li>' for label, href in links or []
    )
    body = (
        f"<!doctype html><html><head><title>{html.escape(title)}</title></head><body>"
        f"<h1>{html.escape(title)}</h1><p>{html.escape(text)}</p>{f'<ul>{items}</ul>' if items else ''}"
        "</body></html>"
    )
    return Response.text(status, body, "text/html; charset=utf-8")


def _loopback(redirect_uri: str) -> bool:
    try:
        parts = urlsplit(redirect_uri)
        host = (parts.hostname or "").lower()
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError:
        return False
    return parts.scheme == "http" and (host in _LOOPBACK_HOSTS or f"[{host}]" in _LOOPBACK_HOSTS)


def _redirect(redirect_uri: str, params: dict[str, str]) -> Response:
    parts = urlsplit(redirect_uri)
    query = "&".join(p for p in (parts.query, urlencode(params)) if p)
    return Response(
        302,
        b"",
        [("Location", urlunsplit(parts._replace(query=query))), ("Content-Type", "text/html; charset=UTF-8")],
    )


def authorize(state: GoogleState, request: Request) -> Response:
    """The consent screen, as a scripted browser meets it."""
    q = {k: v[0] for k, v in request.query.items()}
    request.record.notes.update(endpoint="authorize", login_hint=q.get("login_hint"))
    client = state.oauth_client
    if q.get("client_id") != client.client_id:
        return _page(401, "Error 401: invalid_client", "The OAuth client was not found.")
    redirect_uri = q.get("redirect_uri", "")
    if not _loopback(redirect_uri):
        return _page(
            400,
            "Error 400: redirect_uri_mismatch",
            "You can't sign in to this app because it doesn't comply with Google's OAuth 2.0 policy. "
            f"Request details: redirect_uri={redirect_uri}",
        )
    if q.get("response_type") != "code":
        return _page(400, "Error 400: invalid_request", "Required parameter is missing: response_type")
    scopes = normalise_scopes(q.get("scope", ""))
    if not scopes:
        return _page(400, "Error 400: invalid_request", "Missing required parameter: scope")
    if any(scope not in KNOWN_SCOPES for scope in scopes):
        return _page(400, "Error 400: invalid_scope", "Some requested scopes were invalid.")
    method = q.get("code_challenge_method", "plain" if q.get("code_challenge") else "")
    if q.get("code_challenge") and method not in ("S256", "plain"):
        return _page(400, "Error 400: invalid_request", "Invalid code_challenge_method.")
    email = (q.get("login_hint") or state.browser_user or "").strip().lower()
    if not email:
        return _account_chooser(state, request)
    org = state.org
    with org.lock:
        user = org.user(email) if org.owns(email) else None
        if user is None:
            return _page(
                200, "Couldn't find your Google Account", f"No account {email} in this organisation."
            )
        if user.suspended:
            return _page(200, "Account disabled", "Your account has been disabled by your administrator.")
    if not state.browser_consents:
        return _redirect(
            redirect_uri, {"error": "access_denied", **({"state": q["state"]} if "state" in q else {})}
        )
    code = AuthorizationCode(
        client_id=client.client_id,
        redirect_uri=redirect_uri,
        user=user.primary_email,
        scopes=frozenset(scopes),
        code_challenge=q.get("code_challenge"),
        code_challenge_method=method or "plain",
        nonce=q.get("nonce"),
        offline=q.get("access_type") == "offline",
        expires_at=state.clock.timestamp() + TokenStore.CODE_LIFETIME,
    )
    params = {
        "code": state.tokens.issue_code(code),
        "scope": " ".join(scopes),
        "authuser": "0",
        "hd": org.domain,
        "prompt": "consent",
    }
    if "state" in q:
        params = {"state": q["state"], **params}
    request.record.notes["signed_in"] = user.primary_email
    return _redirect(redirect_uri, params)


def _account_chooser(state: GoogleState, request: Request) -> Response:
    base = urlunsplit(("https", request.header("Host"), request.path, "", ""))
    query = {k: v[0] for k, v in request.query.items()}
    with state.org.lock:
        candidates = [u.primary_email for u in state.org.active_users() if u.is_any_admin][:5]
    links = [(email, f"{base}?{urlencode({**query, 'login_hint': email})}") for email in candidates]
    return _page(200, "Choose an account", "to continue to the application", links)


# -- token endpoint side ------------------------------------------------------------------------------------
def _client_credentials(request: Request, fields: dict[str, str]) -> tuple[str, str]:
    auth = request.header("Authorization")
    if auth.lower().startswith("basic "):
        try:
            raw = base64.b64decode(auth[6:].strip()).decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            return "", ""
        client_id, _, secret = raw.partition(":")
        return client_id, secret
    return fields.get("client_id", ""), fields.get("client_secret", "")


def _client_problem(state: GoogleState, request: Request, fields: dict[str, str]) -> Response | None:
    client_id, secret = _client_credentials(request, fields)
    client = state.oauth_client
    if client_id != client.client_id:
        return error_response("token_client_not_found")
    if not hmac.compare_digest(secret.encode("utf-8"), client.client_secret.encode("utf-8")):
        return error_response("token_client_unauthorized")
    return None


def _pkce_ok(code: AuthorizationCode, verifier: str) -> bool:
    if code.code_challenge_method == "S256":
        expected = b64url(hashlib.sha256(verifier.encode("ascii", errors="replace")).digest())
    else:
        expected = verifier
    return hmac.compare_digest(
        expected.encode("ascii", errors="replace"),
        (code.code_challenge or "").encode("ascii", errors="replace"),
    )


def _reauth_required(state: GoogleState, email: str) -> bool:
    with state.org.lock:
        user = state.org.user(email)
        return user is not None and user.reauth_required


def exchange_code(state: GoogleState, request: Request, fields: dict[str, str]) -> Response:
    problem = _client_problem(state, request, fields)
    if problem is not None:
        return problem
    value = fields.get("code", "")
    if not value:
        return error_response("token_invalid_request", description="Missing required parameter: code")
    if not value.startswith("4/"):
        return error_response("token_invalid_grant", description="Malformed auth code.")
    code = state.tokens.redeem_code(value)
    if (
        code is None
        or code.expires_at < state.clock.timestamp()
        or code.client_id != state.oauth_client.client_id
    ):
        return error_response("token_invalid_grant", description="Bad Request")
    if fields.get("redirect_uri", "") != code.redirect_uri:
        return error_response("token_redirect_uri_mismatch")
    if code.code_challenge:
        verifier = fields.get("code_verifier", "")
        if not verifier:
            return error_response("token_invalid_grant", description="Missing code verifier.")
        if not _pkce_ok(code, verifier):
            return error_response("token_invalid_grant", description="Invalid code verifier.")
    if _reauth_required(state, code.user):
        return error_response("token_rapt_required")
    request.record.notes["user"] = code.user
    return _user_tokens(state, code.user, code.scopes, nonce=code.nonce, offline=code.offline)


def refresh(state: GoogleState, request: Request, fields: dict[str, str]) -> Response:
    problem = _client_problem(state, request, fields)
    if problem is not None:
        return problem
    token = fields.get("refresh_token", "")
    if not token:
        return error_response(
            "token_invalid_request", description="Missing required parameter: refresh_token"
        )
    grant = state.tokens.refresh(token)
    if grant is None or grant.client_id != state.oauth_client.client_id:
        return error_response("token_invalid_grant", description="Token has been expired or revoked.")
    if _reauth_required(state, grant.user):
        return error_response("token_rapt_required")
    return _user_tokens(state, grant.user, grant.scopes, nonce=None, offline=False)


def _user_tokens(
    state: GoogleState, email: str, scopes: frozenset[str], *, nonce: str | None, offline: bool
) -> Response:
    client = state.oauth_client
    now = state.clock.timestamp()
    access = state.tokens.issue_access(
        Grant(
            principal=email,
            subject=email,
            scopes=scopes,
            client_id=client.client_id,
            project_number=state.org.project_number,
            expires_at=now + TokenStore.ACCESS_LIFETIME,
        )
    )
    body: dict[str, object] = {
        "access_token": access,
        "expires_in": TokenStore.ACCESS_LIFETIME,
        "scope": " ".join(sorted(scopes)),
        "token_type": "Bearer",
    }
    if offline:
        body["refresh_token"] = state.tokens.issue_refresh(RefreshGrant(email, scopes, client.client_id))
    if SCOPE_OPENID in scopes:
        body["id_token"] = id_token(state, email, scopes, access_token=access, nonce=nonce)
    return json_response(200, body)


def id_token(
    state: GoogleState, email: str, scopes: frozenset[str], *, access_token: str, nonce: str | None
) -> str:
    """An ID token for `email` signed with the sandbox's ID-token key."""
    with state.org.lock:
        user = state.org.user(email)
        assert user is not None
        claims: dict[str, object] = {
            "iss": ID_TOKEN_ISSUER,
            "azp": state.oauth_client.client_id,
            "aud": state.oauth_client.client_id,
            "sub": user.user_id,
            "hd": state.org.domain,
        }
        if SCOPE_USERINFO_EMAIL in scopes:
            claims.update(email=user.primary_email, email_verified=True)
        if SCOPE_USERINFO_PROFILE in scopes:
            claims.update(name=user.full_name, given_name=user.given_name, family_name=user.family_name)
    digest = hashlib.sha256(access_token.encode("ascii")).digest()
    claims["at_hash"] = b64url(digest[:16])
    if nonce:
        claims["nonce"] = nonce
    now = int(state.clock.timestamp())
    claims.update(iat=now, exp=now + ID_TOKEN_LIFETIME)
    return encode_jwt(claims, state.id_token_key)


# -- public endpoints ----------------------------------------------------------------------------------------
def certs_v1(state: GoogleState, request: Request) -> Response:
    key = state.id_token_key
    return json_response(
        200,
        {key.key_id: key.certificate_pem("securetoken.system.gserviceaccount.com")},
        [("Cache-Control", "public, max-age=21600, must-revalidate, no-transform")],
    )


def certs_v3(state: GoogleState, request: Request) -> Response:
    return json_response(
        200,
        {"keys": [state.id_token_key.jwk()]},
        [("Cache-Control", "public, max-age=21600, must-revalidate, no-transform")],
    )


def userinfo(state: GoogleState, request: Request) -> Response:
    auth = request.header("Authorization")
    token = auth[7:].strip() if auth.lower().startswith("bearer ") else ""
    grant = state.tokens.access(token) if token else None
    values = {"service": "oauth2.googleapis.com", "method": "userinfo"}
    if grant is None or grant.expires_at < state.clock.timestamp() or grant.subject is None:
        return api_error("api_invalid_credentials" if token else "api_unauthenticated", **values)
    if not grant.scopes & {SCOPE_OPENID, SCOPE_USERINFO_EMAIL, SCOPE_USERINFO_PROFILE}:
        return api_error("api_insufficient_scopes", **values)
    with state.org.lock:
        user = state.org.user(grant.subject)
        if user is None:
            return api_error("api_invalid_credentials", **values)
        body: dict[str, object] = {"sub": user.user_id, "hd": state.org.domain}
        if SCOPE_USERINFO_EMAIL in grant.scopes:
            body.update(email=user.primary_email, email_verified=True)
        if SCOPE_USERINFO_PROFILE in grant.scopes:
            body.update(name=user.full_name, given_name=user.given_name, family_name=user.family_name)
    return json_response(200, body)


def openid_configuration(root: str) -> Response:
    return json_response(
        200,
        {
            "issuer": ID_TOKEN_ISSUER,
            "authorization_endpoint": f"{root}/o/oauth2/v2/auth",
            "token_endpoint": f"{root}/token",
            "userinfo_endpoint": f"{root}/oauth2/v3/userinfo",
            "jwks_uri": f"{root}/oauth2/v3/certs",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid", "email", "profile"],
            "code_challenge_methods_supported": ["plain", "S256"],
            "grant_types_supported": [
                "authorization_code",
                "refresh_token",
                "urn:ietf:params:oauth:grant-type:jwt-bearer",
            ],
        },
    )


def parse_redirect(location: str) -> dict[str, str]:
    """The query of a redirect `Location` (helper for scripted browsers)."""
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}
