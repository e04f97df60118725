"""The sandbox's OAuth 2.0 token endpoint (`POST <root>/token`), as oauth2.googleapis.com/token answers.

Grant types:

- `urn:ietf:params:oauth:grant-type:jwt-bearer` (service accounts, RFC 7523): the assertion's RS256 signature
  is verified with the service account's public key named by `kid`; then `aud`, `iat`/`exp` (against the
  sandbox clock), the subject and the scopes delegated to the client ID. Order of the checks, and the answer
  of each failure, are those of Google (fixtures `token_*`).
- `authorization_code` and `refresh_token` (the administrator's sign-in): see `oauth`.

The request log keeps the grant type and the assertion's claims (`notes`), never the assertion, a code, a
verifier, a refresh token or a client secret (the body is redacted before it is recorded).
"""

from __future__ import annotations

import json
import logging
from typing import Any
from urllib.parse import parse_qs, urlencode

from ec_console.sandbox.google import oauth
from ec_console.sandbox.google.credentials import JwtError, decode_jwt
from ec_console.sandbox.google.errors import error_response, json_response
from ec_console.sandbox.google.state import KNOWN_SCOPES, GoogleState, Grant, TokenStore
from ec_console.sandbox.server import Request, Response

log = logging.getLogger(__name__)

JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
MAX_LIFETIME = 3600  # exp - iat may not exceed an hour
CLOCK_TOLERANCE = 300  # iat / exp may be this far off the sandbox clock ("a reasonable timeframe")
GOOGLE_TOKEN_AUDIENCE = "https://oauth2.googleapis.com/token"
# google-auth always puts Google's token endpoint in `aud`, whatever `token_uri` the key file names; Google
# also accepts its older token endpoints. The sandbox accepts those and its own token URI.
ACCEPTED_AUDIENCES = (
    GOOGLE_TOKEN_AUDIENCE,
    "https://www.googleapis.com/oauth2/v4/token",
    "https://accounts.google.com/o/oauth2/token",
)
_SECRET_FIELDS = ("assertion", "client_secret", "code", "code_verifier", "refresh_token")


def form(request: Request) -> dict[str, str]:
    """The urlencoded (or JSON) body as a flat dict; the first value of a repeated field wins."""
    content_type = request.header("Content-Type").lower()
    if "json" in content_type:
        try:
            data = json.loads(request.body or b"{}")
        except ValueError:
            return {}
        return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}
    parsed = parse_qs(request.body.decode("utf-8", errors="replace"), keep_blank_values=True)
    return {k: v[0] for k, v in parsed.items()}


def redact_token_body(body: bytes) -> bytes:
    """The token request as the log keeps it: credentials replaced by `[redacted]`."""
    try:
        parsed = parse_qs(body.decode("utf-8"), keep_blank_values=True)
    except UnicodeDecodeError:
        return b"[unreadable body]"
    if not parsed and body.strip().startswith(b"{"):
        return b"[json body redacted]"
    clean = {k: ["[redacted]"] * len(v) if k in _SECRET_FIELDS else v for k, v in parsed.items()}
    return urlencode(clean, doseq=True).encode("ascii")


class TokenEndpoint:
    """Handles `POST /token` for every grant type."""

    def __init__(self, state: GoogleState) -> None:
        self.state = state

    def handle(self, request: Request) -> Response:
        fields = form(request)
        grant_type = fields.get("grant_type", "")
        request.record.notes.update(endpoint="token", grant_type=grant_type)
        if grant_type == JWT_BEARER:
            response = self._jwt_bearer(request, fields)
        elif grant_type == "authorization_code":
            response = oauth.exchange_code(self.state, request, fields)
        elif grant_type == "refresh_token":
            response = oauth.refresh(self.state, request, fields)
        elif not grant_type:
            response = error_response(
                "token_invalid_request", description="Missing required parameter: grant_type"
            )
        else:
            response = error_response("token_unsupported_grant_type", grant_type=grant_type)
        if response.status != 200:
            try:
                request.record.notes["error"] = json.loads(response.body).get("error")
            except ValueError:
                pass
        return response

    # -- JWT bearer (service account) ----------------------------------------------------------------------
    def _jwt_bearer(self, request: Request, fields: dict[str, str]) -> Response:
        assertion = fields.get("assertion", "")
        if not assertion:
            return error_response(
                "token_invalid_request", description="Missing required parameter: assertion"
            )
        try:
            jwt = decode_jwt(assertion)
        except JwtError as exc:
            return error_response("token_invalid_jwt", detail=f"Unable to parse the assertion ({exc}).")
        claims = jwt.claims
        request.record.notes.update(
            iss=claims.get("iss"),
            sub=claims.get("sub"),
            kid=jwt.header.get("kid"),
            scopes=str(claims.get("scope", "")).split(),
        )
        state = self.state
        with state.lock:
            account = state.service_account
            if claims.get("iss") != account.identity.email or account.deleted:
                return error_response("token_account_not_found")
            kid = jwt.header.get("kid")
            if kid:
                keys = [account.keys[kid]] if kid in account.keys else []
            else:
                keys = list(account.keys.values())
            delegated = None if account.delegated_scopes is None else set(account.delegated_scopes)
        if not any(jwt.signed_by(key) for key in keys):
            return error_response("token_invalid_jwt_signature")
        if claims.get("aud") not in (*ACCEPTED_AUDIENCES, state.token_uri):
            return error_response("token_invalid_audience", token_uri=GOOGLE_TOKEN_AUDIENCE)
        problem = self._timeframe_problem(claims)
        if problem:
            request.record.notes["timeframe"] = problem
            return error_response("token_invalid_jwt_timeframe")
        scopes = str(claims.get("scope") or "").split()
        if not scopes:
            return error_response("token_scope_missing")
        if any(scope not in KNOWN_SCOPES for scope in scopes):
            return error_response("token_invalid_scope")
        subject = claims.get("sub")
        if subject and subject != account.identity.email:
            refused = self._subject_problem(str(subject))
            if refused is not None:
                return refused
            if delegated is None or any(scope not in delegated for scope in scopes):
                return error_response("token_unauthorized_client")
        else:
            subject = None
        grant = Grant(
            principal=account.identity.email,
            subject=str(subject).lower() if subject else None,
            scopes=frozenset(scopes),
            client_id=account.identity.client_id,
            project_number=state.org.project_number,
            expires_at=state.clock.timestamp() + TokenStore.ACCESS_LIFETIME,
        )
        request.record.notes["issued"] = True
        return json_response(
            200,
            {
                "access_token": state.tokens.issue_access(grant),
                "expires_in": TokenStore.ACCESS_LIFETIME,
                "token_type": "Bearer",
            },
        )

    def _timeframe_problem(self, claims: dict[str, Any]) -> str | None:
        iat, exp = claims.get("iat"), claims.get("exp")
        if not isinstance(iat, int | float) or not isinstance(exp, int | float):
            return "iat and exp must be numbers"
        now = self.state.clock.timestamp()
        if exp <= iat:
            return "exp is not after iat"
        if exp - iat > MAX_LIFETIME:
            return "lifetime over 60 minutes"
        if iat > now + CLOCK_TOLERANCE:
            return "iat is in the future"
        if iat < now - CLOCK_TOLERANCE:
            return "iat is too far in the past"
        if exp < now:
            return "expired"
        return None

    def _subject_problem(self, subject: str) -> Response | None:
        """The answer for a subject that cannot be impersonated, or None."""
        local, at, domain = subject.partition("@")
        if not at or not local or "." not in domain:
            return error_response("token_not_valid_email")
        org = self.state.org
        with org.lock:
            user = org.user(subject, include_deleted=True) if org.owns(subject) else None
            if user is None:
                return error_response("token_invalid_email")
            if user.deleted:
                return error_response("token_account_deleted")
            if user.suspended:
                # Not documented by Google; the sandbox answers as for an unknown user, so clients must ask
                # Directory to tell a suspended user apart (see docs/sandbox-google.md).
                return error_response("token_invalid_email")
        return None
