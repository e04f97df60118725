"""The sandbox's Exchange Web Services endpoint (`/EWS/Exchange.asmx`) and SOAP autodiscover.

Authentication, as IIS in front of Exchange does it:

- no `Authorization` on a connection that has not authenticated: 401 with one `WWW-Authenticate` header per
  enabled method (`NTLM`, `Basic realm="..."`, `Bearer ...`), which is what exchangelib's auth probe reads;
- NTLM (pyspnego as the acceptor, see `ntlm.py`): NEGOTIATE -> 401 with the CHALLENGE, AUTHENTICATE -> the
  connection is authenticated for as long as the client keeps it open (later requests on it need no header);
  over https the client's channel bindings are checked against the server certificate;
- Basic: every request;
- Bearer: a token from the sandbox identity endpoint (signature, audience, tenant, lifetime); an app with
  neither `full_access_as_app` in `roles` nor an RBAC for Applications assignment gets Exchange Online's 401
  with `x-ms-diagnostics: 2000008`; a token for another audience `2000003` (invalid_resource), one it cannot
  use `2000001` (invalid_token);
- a locked account: 401 whose body says "The referenced account is currently locked out";
- `auth_methods` without "ntlm" but with "negotiate": `WWW-Authenticate: Negotiate` only, and every token
  refused (Kerberos only, no KDC here).

`api_versions` (None: any) is the set of `RequestServerVersion` values the server accepts; a request naming
another gets the ErrorInvalidServerVersion SOAP fault in an HTTP 500, as an older Exchange answers a client
asking for a newer schema (Microsoft's ResponseCode reference; see `fixtures/sources.json`).

EWS access controls, as Exchange Online answers them (HTTP 403 with an empty body and the
`X-EWS-Policy-Reason` header, one of its two documented values; see `fixtures/sources.json`): the
organisation's EwsEnabled off (`org.ews_enabled = False`) and a mailbox's own (`ews-blocked@`) answer "EWS is
disabled for this user or tenant"; an app id missing from the organisation's allow list
(`org.ews_allowed_app_ids`) answers "EWS is blocked by policy for this user or tenant".
`forbid_without_reason` answers every request with a 403 that carries no such header (something else in front
of EWS refusing), and `cas_error` with Exchange's front-end refusal: HTTP 500, empty body, `X-CasErrorCode:
<value>` (e.g. "ServerNotFound").

Then impersonation (`ExchangeImpersonation/ConnectingSID`): ErrorImpersonationDenied for an account without
the role, ErrorNonExistentMailbox, ErrorImpersonateUserDenied outside the scoping group (or the app's RBAC
scope), ErrorInvalidExchangeImpersonationHeaderData for an app-only token without the header — all SOAP faults
in an HTTP 500 without ServerVersionInfo, as Exchange sends them. The target mailbox's behaviour follows
(throttled, slow, EWS blocked, connection limit). Per-item errors (ErrorAccessDenied,
ErrorCreateItemAccessDenied, ErrorCannotDeleteObject, ErrorItemNotFound ...) arrive as
`ResponseClass="Error"` in an HTTP 200. Without impersonation (delegate access) a mailbox's
`delegate_folders` are the folders the service account holds folder permission on: GetFolder of any other
folder, the root included, answers ErrorAccessDenied (exchangelib issues #1222, #1282). Every SOAP answer
that is not a fault carries `ServerVersionInfo`.

Every request's log entry gets notes tests can query: `operation`, `auth` (method), `principal`,
`impersonated`, `base_shape`, `fields` (the FieldURIs asked for), `returned_fields`, `error`.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import logging
import uuid
from dataclasses import dataclass, field
from typing import Any
from xml.etree.ElementTree import Element
from xml.sax.saxutils import escape, quoteattr

from defusedxml import ElementTree as SafeET
from defusedxml.common import DefusedXmlException

from ec_console.sandbox import fixtures
from ec_console.sandbox.exchange import ntlm
from ec_console.sandbox.identity import InvalidToken, TokenIssuer
from ec_console.sandbox.org import (
    EWS_APP_ROLE,
    EXCHANGE_RESOURCE,
    AppRegistration,
    Behaviour,
    Event,
    Impersonation,
    Mailbox,
    Organisation,
    ServiceAccount,
    new_item_id,
)
from ec_console.sandbox.server import Request, Response, SandboxHTTPServer

log = logging.getLogger(__name__)

EWS_PATH = "/EWS/Exchange.asmx"
AUTODISCOVER_PATH = "/autodiscover/autodiscover.svc"
SOAP_NS = "http://schemas.xmlsoap.org/soap/envelope/"
M_NS = "http://schemas.microsoft.com/exchange/services/2006/messages"
T_NS = "http://schemas.microsoft.com/exchange/services/2006/types"
A_NS = "http://schemas.microsoft.com/exchange/2010/Autodiscover"
_XSI = 'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema"'
_MT = f'xmlns:m="{M_NS}" xmlns:t="{T_NS}"'
EXO_RESOURCE_APP_ID = "00000002-0000-0ff1-ce00-000000000000"
# "Control access to EWS in Exchange", "Understand HTTP 403 responses in Exchange Online": one header, two
# values.
EWS_POLICY_REASON_HEADER = "X-EWS-Policy-Reason"
EWS_DISABLED = "EWS is disabled for this user or tenant"
EWS_BLOCKED_BY_POLICY = "EWS is blocked by policy for this user or tenant"
SUPPORTED_OPERATIONS = (
    "ConvertId",
    "GetFolder",
    "FindItem",
    "GetItem",
    "CreateItem",
    "DeleteItem",
    "ResolveNames",
    "ExpandDL",
    "FindPeople",
)
# FindPeople pages at most this many personas a request (the documented example asks for 100).
FIND_PEOPLE_MAX_PAGE = 100


@dataclass(frozen=True)
class ServerVersion:
    major: int
    minor: int
    major_build: int
    minor_build: int
    version: str  # the Version attribute Exchange puts in ServerVersionInfo

    def header(self) -> str:
        return (
            f'<h:ServerVersionInfo MajorVersion="{self.major}" MinorVersion="{self.minor}" '
            f'MajorBuildNumber="{self.major_build}" MinorBuildNumber="{self.minor_build}" '
            f'Version="{self.version}" xmlns:h="{T_NS}" xmlns="{T_NS}" {_XSI}/>'
        )


EXCHANGE_2019 = ServerVersion(15, 2, 1544, 11, "V2017_07_11")  # Exchange Server 2019 CU14
EXCHANGE_ONLINE = ServerVersion(15, 20, 8769, 21, "V2018_01_08")  # an Exchange Online build


@dataclass
class Principal:
    """Who a request authenticated as."""

    method: str  # "ntlm" | "basic" | "bearer"
    account: ServiceAccount | None = None
    app: AppRegistration | None = None
    roles: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        if self.account is not None:
            return self.account.down_level
        return f"app:{self.app.client_id}" if self.app else "?"


class SoapFault(Exception):
    """A request-level error: a SOAP fault in an HTTP 500."""

    def __init__(self, code: str, **values: str) -> None:
        super().__init__(code)
        self.code = code
        self.values = values


class HttpAnswer(Exception):
    """An answer that is not SOAP (401, 403 ...)."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status)
        self.response = response


@dataclass
class _Context:
    request: Request
    principal: Principal
    operation: str
    api_version: str
    impersonated: Mailbox | None
    notes: dict[str, Any] = field(default_factory=dict)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _t(name: str) -> str:
    return f"{{{T_NS}}}{name}"


def _m(name: str) -> str:
    return f"{{{M_NS}}}{name}"


def _ews_datetime(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_datetime(text: str | None) -> dt.datetime | None:
    if not text:
        return None
    try:
        value = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


_ERROR_TEXTS: dict[str, str] = {}


def error_text(code: str) -> str:
    if not _ERROR_TEXTS:
        _ERROR_TEXTS.update(fixtures.data("ews_error_texts.json"))
    return _ERROR_TEXTS.get(code, code)


class EwsEndpoint:
    """EWS and SOAP autodiscover for one organisation. Switches are plain attributes tests may change."""

    def __init__(
        self,
        org: Organisation,
        issuer: TokenIssuer | None,
        *,
        version: ServerVersion = EXCHANGE_2019,
        end_point_hash: bytes | None = None,
    ) -> None:
        self.org = org
        self.issuer = issuer
        self.version = version
        self.end_point_hash = end_point_hash
        # Offered and accepted; "negotiate" (opt-in) offers `Negotiate` and accepts no token unless "ntlm" is
        # also on, i.e. a Kerberos-only endpoint.
        self.auth_methods: set[str] = {"ntlm", "basic", "bearer"}
        # The RequestServerVersion values the server accepts; None: any. Another one is refused with the
        # ErrorInvalidServerVersion SOAP fault (an older server asked for a newer schema; sources.json).
        self.api_versions: set[str] | None = None
        self.realm = "127.0.0.1"
        # Token audiences accepted; None: Exchange Online's resource and this endpoint's own address.
        self.accepted_audiences: set[str] | None = None
        self.server: SandboxHTTPServer | None = None
        self.forbid_without_reason = False  # a 403 without X-EWS-Policy-Reason to every authenticated request
        self.cas_error: str | None = None  # X-CasErrorCode of an HTTP 500 to every authenticated request
        # False: the server has no FindPeople (Exchange 2010 and older): the request fails schema validation.
        self.find_people = True

    @property
    def resource(self) -> str | None:
        """This endpoint's own resource identifier, `https://127.0.0.1:<port>` (None until it serves)."""
        if self.server is None or not self.server.running:
            return None
        return f"https://{self.server.url.split('://', 1)[1]}"

    def audiences(self) -> set[str]:
        """Token audiences this Exchange accepts: Exchange Online's resource and its own address, unless a
        test narrowed them (`accepted_audiences`)."""
        if self.accepted_audiences is not None:
            return set(self.accepted_audiences)
        own = self.resource
        return {EXCHANGE_RESOURCE, own} if own else {EXCHANGE_RESOURCE}

    def install(self, server: SandboxHTTPServer) -> None:
        self.server = server
        server.route(("POST", "GET"), EWS_PATH, self.handle_ews)
        server.route(("POST", "GET"), AUTODISCOVER_PATH, self.handle_autodiscover)

    # -- authentication ---------------------------------------------------------------------------
    def _challenge_headers(self, ntlm_token: str | None = None) -> list[tuple[str, str]]:
        headers = []
        if "ntlm" in self.auth_methods:
            headers.append(("WWW-Authenticate", f"NTLM {ntlm_token}" if ntlm_token else "NTLM"))
        if ntlm_token:
            return headers
        if "negotiate" in self.auth_methods:
            headers.append(("WWW-Authenticate", "Negotiate"))
        if "basic" in self.auth_methods:
            headers.append(("WWW-Authenticate", f'Basic realm="{self.realm}"'))
        if "bearer" in self.auth_methods:
            headers.append(
                (
                    "WWW-Authenticate",
                    f'Bearer client_id="{EXO_RESOURCE_APP_ID}", '
                    'trusted_issuers="00000001-0000-0000-c000-000000000000@*", '
                    'token_types="app_asserted_user_v1 service_asserted_app_v1", '
                    'authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize"',
                )
            )
        return headers

    def _unauthorized(
        self, *, locked: bool = False, extra: list[tuple[str, str]] | None = None
    ) -> HttpAnswer:
        page = "http_401_locked_out.html" if locked else "http_401_unauthorized.html"
        headers = [("Content-Type", "text/html"), *self._challenge_headers(), *(extra or [])]
        return HttpAnswer(Response(401, fixtures.text(page).encode(), headers))

    def _authenticate(self, request: Request) -> Principal:
        header = request.header("Authorization").strip()
        scheme, _, value = header.partition(" ")
        scheme = scheme.lower()
        if not header:
            principal = request.connection.get("principal")
            if principal is not None:
                return principal
            raise self._unauthorized()
        if scheme in ("ntlm", "negotiate") and "ntlm" in self.auth_methods:
            return self._ntlm(request, value.strip())
        # "negotiate" without "ntlm" is IIS's Negotiate:Kerberos provider: only a Kerberos ticket would do,
        # and the sandbox has no KDC, so every token (an NTLM one included) gets a plain 401.
        if scheme == "basic" and "basic" in self.auth_methods:
            return self._basic(value.strip())
        if scheme == "bearer" and "bearer" in self.auth_methods:
            return self._bearer(value.strip())
        raise self._unauthorized()

    def _account_or_401(self, username: str, password: str | None) -> ServiceAccount:
        account = self.org.account(username)
        if account is not None and account.locked:
            raise self._unauthorized(locked=True)
        if account is None or (password is not None and password != account.password):
            raise self._unauthorized()
        return account

    def _basic(self, value: str) -> Principal:
        try:
            username, _, password = base64.b64decode(value, validate=True).decode("utf-8").partition(":")
        except (ValueError, UnicodeDecodeError, binascii.Error):
            raise self._unauthorized() from None
        return Principal("basic", account=self._account_or_401(username, password))

    def _ntlm(self, request: Request, value: str) -> Principal:
        try:
            token = base64.b64decode(value, validate=True)
        except (ValueError, binascii.Error):
            raise self._unauthorized() from None
        kind = ntlm.message_type(token)
        if kind == 1:
            acceptor = ntlm.new_acceptor(self.end_point_hash if request.secure else None)
            try:
                challenge = acceptor.step(token)
            except Exception:  # a malformed NEGOTIATE: refuse like IIS does
                raise self._unauthorized() from None
            request.connection["ntlm"] = acceptor
            request.connection.pop("principal", None)
            headers = [
                ("Content-Type", "text/html"),
                *self._challenge_headers(base64.b64encode(challenge or b"").decode()),
            ]
            raise HttpAnswer(Response(401, fixtures.text("http_401_unauthorized.html").encode(), headers))
        acceptor = request.connection.pop("ntlm", None)
        if kind != 3 or acceptor is None:
            raise self._unauthorized()
        username = ntlm.authenticate_user_name(token)
        account = self.org.account(username)
        if account is not None and account.locked:
            raise self._unauthorized(locked=True)
        try:
            acceptor.step(token)
        except Exception:  # wrong password, unknown user, bad channel bindings
            raise self._unauthorized() from None
        if account is None or not acceptor.complete:
            raise self._unauthorized()
        principal = Principal("ntlm", account=account)
        request.connection["principal"] = principal
        return principal

    def _bearer(self, token: str) -> Principal:
        if self.issuer is None:
            raise self._unauthorized()
        try:
            claims = self.issuer.verify(token, self.audiences())
        except InvalidToken as exc:
            raise self._unauthorized(extra=[("x-ms-diagnostics", exc.diagnostics)]) from None
        app = self.org.app(str(claims.get("appid", "")))
        roles = tuple(claims.get("roles") or ())
        if app is None or (EWS_APP_ROLE not in roles and not app.rbac_scoped):
            raise self._unauthorized(
                extra=[
                    (
                        "x-ms-diagnostics",
                        '2000008;reason="The token contains no permissions, or permissions can not be '
                        'understood.";'
                        'error_category="invalid_grant"',
                    )
                ]
            )
        return Principal("bearer", app=app, roles=roles)

    # -- envelopes --------------------------------------------------------------------------------
    def _soap(self, status: int, body: str) -> Response:
        return Response(
            status,
            body.encode("utf-8"),
            [
                ("Content-Type", "text/xml; charset=utf-8"),
                ("request-id", str(uuid.uuid4())),
                ("X-FEServer", "SBX-EX01"),
            ],
        )

    def _envelope(self, body: str) -> Response:
        return self._soap(
            200,
            '<?xml version="1.0" encoding="utf-8"?>'
            f'<s:Envelope xmlns:s="{SOAP_NS}"><s:Header>{self.version.header()}</s:Header>'
            f"<s:Body {_XSI}>{body}</s:Body></s:Envelope>",
        )

    def _fault(self, fault: SoapFault) -> Response:
        values = {k: escape(v) for k, v in fault.values.items()}
        return self._soap(500, fixtures.render(f"ews_fault_{fault.code}.xml", **values))

    @staticmethod
    def _messages(op: str, messages: list[str]) -> str:
        inner = "".join(messages)
        return f"<m:{op}Response {_MT}><m:ResponseMessages>{inner}</m:ResponseMessages></m:{op}Response>"

    @staticmethod
    def _ok(op: str, content: str = "") -> str:
        return (
            f'<m:{op}ResponseMessage ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode>'
            f"{content}</m:{op}ResponseMessage>"
        )

    @staticmethod
    def _error(ctx: _Context, code: str, extra: str = "") -> str:
        ctx.notes.setdefault("error", code)
        return fixtures.render(
            "ews_error_message.xml",
            operation=ctx.operation,
            code=code,
            message=escape(error_text(code)),
            extra=extra,
        )

    # -- EWS --------------------------------------------------------------------------------------
    def handle_ews(self, request: Request) -> Response:
        notes = request.record.notes
        notes["endpoint"] = "ews"
        try:
            principal = self._authenticate(request)
            notes["auth"], notes["principal"] = principal.method, principal.name
            if request.method != "POST":
                return Response.text(405, "Method Not Allowed")
            self._access_controls(principal)
            envelope = self._parse(request.body)
            ctx = self._context(request, principal, envelope)
            notes["operation"] = ctx.operation
            self._apply_behaviour(ctx)
            body = self._dispatch(ctx, envelope)
            notes.update(ctx.notes)
            return self._envelope(body)
        except HttpAnswer as answer:
            notes.setdefault("error", f"HTTP {answer.response.status}")
            return answer.response
        except SoapFault as fault:
            notes["error"] = fault.code
            return self._fault(fault)

    def _access_controls(self, principal: Principal) -> None:
        """What refuses a request before EWS reads it: the front end, then the organisation's EWS controls."""
        if self.cas_error:
            # Exchange's front end names its refusal in X-CasErrorCode, empty body (fixtures/sources.json).
            headers = [("X-CasErrorCode", self.cas_error), ("X-FEServer", "SBX-EX01")]
            raise HttpAnswer(Response(500, b"", headers))
        if self.forbid_without_reason:
            raise HttpAnswer(self._forbidden(None))
        if not self.org.ews_enabled:
            raise HttpAnswer(self._forbidden(EWS_DISABLED))
        allowed = self.org.ews_allowed_app_ids
        if allowed is not None and principal.app is not None:
            if principal.app.client_id.lower() not in {a.lower() for a in allowed}:
                raise HttpAnswer(self._forbidden(EWS_BLOCKED_BY_POLICY))

    def _forbidden(self, reason: str | None) -> Response:
        # Exchange Online sends the 403 with an empty body and the reason in X-EWS-Policy-Reason (see
        # fixtures/sources.json); `None`: a 403 without it (something else refusing).
        headers = [("X-FEServer", "SBX-EX01"), ("X-BEServer", "SBX-MBX01")]
        if reason is not None:
            headers.append((EWS_POLICY_REASON_HEADER, reason))
        return Response(403, b"", headers)

    @staticmethod
    def _parse(body: bytes) -> Element:
        try:
            root = SafeET.fromstring(body, forbid_dtd=True, forbid_entities=True, forbid_external=True)
        except (SafeET.ParseError, DefusedXmlException, ValueError) as exc:
            raise SoapFault(
                "ErrorSchemaValidation", detail=f"the request is not well-formed XML ({exc})."
            ) from None
        if root.tag != f"{{{SOAP_NS}}}Envelope" or root.find(f"{{{SOAP_NS}}}Body") is None:
            raise SoapFault("ErrorSchemaValidation", detail="the request is not a SOAP 1.1 envelope.")
        return root

    def _context(self, request: Request, principal: Principal, envelope: Element) -> _Context:
        body = envelope.find(f"{{{SOAP_NS}}}Body")
        assert body is not None
        children = list(body)
        if len(children) != 1 or not children[0].tag.startswith(f"{{{M_NS}}}"):
            raise SoapFault("ErrorSchemaValidation", detail="the Body must hold exactly one EWS request.")
        operation = _local(children[0].tag)
        if operation not in SUPPORTED_OPERATIONS or (operation == "FindPeople" and not self.find_people):
            raise SoapFault(
                "ErrorSchemaValidation", detail=f"the element '{operation}' is not supported by this server."
            )
        header = envelope.find(f"{{{SOAP_NS}}}Header")
        api_version, target_address = "", None
        if header is not None:
            rsv = header.find(_t("RequestServerVersion"))
            api_version = rsv.get("Version", "") if rsv is not None else ""
            sid = header.find(f"{_t('ExchangeImpersonation')}/{_t('ConnectingSID')}")
            if sid is not None:
                target_address = next((c.text or "" for c in sid if c.text), "")
        request.record.notes["api_version"] = api_version
        if self.api_versions is not None and api_version not in self.api_versions:
            raise SoapFault("ErrorInvalidServerVersion")
        ctx = _Context(request, principal, operation, api_version, None)
        if target_address is not None:
            request.record.notes["impersonated"] = target_address.lower()
            ctx.impersonated = self._impersonate(principal, target_address)
        elif principal.app is not None:
            raise SoapFault("ErrorInvalidExchangeImpersonationHeaderData")
        return ctx

    def _impersonate(self, principal: Principal, address: str) -> Mailbox:
        if principal.account is not None and principal.account.impersonation is Impersonation.NONE:
            raise SoapFault("ErrorImpersonationDenied")
        mailbox = self.org.mailbox(address)
        if mailbox is None:
            raise SoapFault("ErrorNonExistentMailbox", address=address)
        if principal.account is not None:
            allowed = principal.account.impersonation is Impersonation.ALL or mailbox.covered
        else:
            allowed = EWS_APP_ROLE in principal.roles or mailbox.covered
        if not allowed:
            raise SoapFault("ErrorImpersonateUserDenied")
        return mailbox

    def _apply_behaviour(self, ctx: _Context) -> None:
        box = ctx.impersonated
        if box is None:
            return
        if box.behaviour is Behaviour.EWS_BLOCKED:
            raise HttpAnswer(self._forbidden(EWS_DISABLED))
        if box.behaviour is Behaviour.THROTTLED:
            raise SoapFault("ErrorServerBusy", back_off_ms=str(self.org.throttle_back_off_ms))
        if box.behaviour is Behaviour.CONNECTIONS_EXCEEDED:
            raise SoapFault("ErrorExceededConnectionCount")
        if box.behaviour is Behaviour.SLOW and self.server is not None:
            self.server.wait(self.org.slow_seconds)

    def _dispatch(self, ctx: _Context, envelope: Element) -> str:
        body = envelope.find(f"{{{SOAP_NS}}}Body")
        assert body is not None
        request = list(body)[0]
        handler = getattr(self, f"_op_{ctx.operation}")
        with self.org.lock:
            messages = handler(ctx, request)
        if ctx.operation == "FindPeople":
            return messages[0]  # its response is not wrapped in ResponseMessages (see _op_FindPeople)
        return self._messages(ctx.operation, messages)

    # -- mailbox access ---------------------------------------------------------------------------
    def _mailbox_for(self, ctx: _Context, named: str | None) -> tuple[Mailbox | None, str | None]:
        """The mailbox a folder reference means, or the error code to answer with."""
        if ctx.impersonated is not None:
            if named and named.lower() != ctx.impersonated.address:
                return None, "ErrorAccessDenied"
            return ctx.impersonated, None
        if not named:
            # The service account's own mailbox: it has none in the sandbox.
            return None, "ErrorNonExistentMailbox"
        box = self.org.mailbox(named)
        if box is None:
            return None, "ErrorNonExistentMailbox"
        account = ctx.principal.account
        if account is None or not (box.covered or account.impersonation is Impersonation.ALL):
            return None, "ErrorAccessDenied"  # no delegate (folder) permission on this mailbox
        if box.behaviour is Behaviour.EWS_BLOCKED:
            raise HttpAnswer(self._forbidden(EWS_DISABLED))
        return box, None

    def _folder_ref(self, ctx: _Context, elem: Element) -> tuple[Mailbox | None, str | None, str | None]:
        """(mailbox, distinguished folder id, error code) for a FolderId / DistinguishedFolderId element."""
        if _local(elem.tag) == "DistinguishedFolderId":
            fid = (elem.get("Id") or "").lower()
            named = elem.findtext(f"{_t('Mailbox')}/{_t('EmailAddress')}")
            box, error = self._mailbox_for(ctx, named)
            if error:
                return None, None, error
            assert box is not None
            if fid not in box.folder_ids:
                return None, None, "ErrorFolderNotFound"
            if self._folder_permission_missing(ctx, box, fid):
                return None, None, "ErrorAccessDenied"
            return box, fid, None
        wanted = elem.get("Id") or ""
        for box in self.org.mailboxes.values():
            for fid, folder_id in box.folder_ids.items():
                if folder_id == wanted:
                    allowed, error = self._mailbox_for(ctx, box.address)
                    if error is None and allowed and self._folder_permission_missing(ctx, allowed, fid):
                        error = "ErrorAccessDenied"
                    return (allowed, fid, None) if error is None else (None, None, error)
        return None, None, "ErrorFolderNotFound"

    @staticmethod
    def _folder_permission_missing(ctx: _Context, box: Mailbox, fid: str) -> bool:
        """Delegate access to a folder the service account holds no folder permission on."""
        folders = box.delegate_folders
        return ctx.impersonated is None and folders is not None and fid not in folders

    @staticmethod
    def _calendar_denied(box: Mailbox, fid: str) -> bool:
        return box.behaviour is Behaviour.FOLDER_DENIED and fid == "calendar"

    def _folder_xml(self, box: Mailbox, fid: str) -> str:
        names = {
            "root": ("Folder", "", "Top of Information Store"),
            "msgfolderroot": ("Folder", "IPF.Note", "Top of Information Store"),
            "calendar": ("CalendarFolder", "IPF.Appointment", "Calendar"),
        }
        tag, folder_class, display = names[fid]
        parent = box.folder_ids["root"] if fid != "root" else box.folder_ids["root"]
        count = len(box.events) if fid == "calendar" else 0
        children = 0 if fid == "calendar" else 1
        cls = f"<t:FolderClass>{folder_class}</t:FolderClass>" if folder_class else ""
        return (
            f'<t:{tag}><t:FolderId Id="{box.folder_ids[fid]}" ChangeKey="AgAAABYAAAA="/>'
            f'<t:ParentFolderId Id="{parent}" ChangeKey="AQAAAA=="/>{cls}'
            f"<t:DisplayName>{escape(display)}</t:DisplayName><t:TotalCount>{count}</t:TotalCount>"
            f"<t:ChildFolderCount>{children}</t:ChildFolderCount></t:{tag}>"
        )

    # -- operations -------------------------------------------------------------------------------
    def _op_ConvertId(self, ctx: _Context, req: Element) -> list[str]:  # noqa: N802 - EWS operation name
        destination = req.get("DestinationFormat", "EwsId")
        messages = []
        for alt in req.iter(_t("AlternateId")):
            item = self._find_event(alt.get("Id") or "")
            if item is None:
                messages.append(self._error(ctx, "ErrorInvalidIdMalformed"))
                continue
            box, event = item
            messages.append(
                self._ok(
                    ctx.operation,
                    f'<m:AlternateId xsi:type="t:AlternateIdType" '
                    f'Format="{escape(destination)}" Id="{event.item_id}" '
                    f'Mailbox="{box.address}"/>',
                )
            )
        return messages

    def _op_GetFolder(self, ctx: _Context, req: Element) -> list[str]:  # noqa: N802
        ids = req.find(_m("FolderIds"))
        messages = []
        for elem in list(ids) if ids is not None else []:
            box, fid, error = self._folder_ref(ctx, elem)
            if error is None and box is not None and fid is not None and self._calendar_denied(box, fid):
                error = "ErrorAccessDenied"
            if error is not None or box is None or fid is None:
                messages.append(self._error(ctx, error or "ErrorFolderNotFound", "<m:Folders/>"))
                continue
            messages.append(self._ok(ctx.operation, f"<m:Folders>{self._folder_xml(box, fid)}</m:Folders>"))
        return messages

    def _shape(self, ctx: _Context, shape: Element | None) -> tuple[str, list[str]]:
        base = (shape.findtext(_t("BaseShape")) if shape is not None else None) or "Default"
        fields = [] if shape is None else [e.get("FieldURI", "") for e in shape.iter(_t("FieldURI"))]
        ctx.notes["base_shape"] = base
        ctx.notes["fields"] = fields
        return base, fields

    def _op_FindItem(self, ctx: _Context, req: Element) -> list[str]:  # noqa: N802
        base, fields = self._shape(ctx, req.find(_m("ItemShape")))
        view = req.find(_m("CalendarView"))
        parents = req.find(_m("ParentFolderIds"))
        messages = []
        returned: set[str] = set()
        for elem in list(parents) if parents is not None else []:
            box, fid, error = self._folder_ref(ctx, elem)
            if error is None and box is not None and fid is not None and self._calendar_denied(box, fid):
                error = "ErrorAccessDenied"
            if error is not None or box is None or fid is None:
                messages.append(self._error(ctx, error or "ErrorFolderNotFound"))
                continue
            events = box.events if fid == "calendar" else []
            if view is not None:
                start, end = _parse_datetime(view.get("StartDate")), _parse_datetime(view.get("EndDate"))
                if start is None or end is None:
                    raise SoapFault(
                        "ErrorSchemaValidation", detail="CalendarView needs StartDate and EndDate."
                    )
                events = sorted((e for e in events if e.start < end and e.end > start), key=lambda e: e.start)
            items = "".join(self._item_xml(e, box, base, fields, returned) for e in events)
            messages.append(
                self._ok(
                    ctx.operation,
                    f'<m:RootFolder TotalItemsInView="{len(events)}" IncludesLastItemInRange="true">'
                    f"<t:Items>{items}</t:Items></m:RootFolder>",
                )
            )
        ctx.notes["returned_fields"] = sorted(returned)
        return messages

    def _item_xml(self, event: Event, box: Mailbox, base: str, fields: list[str], returned: set[str]) -> str:
        everything = base in ("AllProperties", "Default")
        wanted = set(fields)

        def want(uri: str) -> bool:
            if everything or uri in wanted:
                returned.add(uri)
                return True
            return False

        parts = [f'<t:ItemId Id="{event.item_id}" ChangeKey="{event.change_key}"/>']
        if want("item:ParentFolderId"):
            parts.append(f'<t:ParentFolderId Id="{box.folder_ids["calendar"]}" ChangeKey="AQAAAA=="/>')
        if want("item:ItemClass"):
            parts.append("<t:ItemClass>IPM.Appointment</t:ItemClass>")
        if want("item:Subject"):
            parts.append(f"<t:Subject>{escape(event.subject)}</t:Subject>")
        if "item:Body" in wanted or base == "AllProperties":
            returned.add("item:Body")
            parts.append(f'<t:Body BodyType="Text">{escape(event.body)}</t:Body>')
        if want("calendar:Start"):
            parts.append(f"<t:Start>{_ews_datetime(event.start)}</t:Start>")
        if want("calendar:End"):
            parts.append(f"<t:End>{_ews_datetime(event.end)}</t:End>")
        if want("calendar:IsAllDayEvent"):
            parts.append(f"<t:IsAllDayEvent>{str(event.is_all_day).lower()}</t:IsAllDayEvent>")
        if want("calendar:LegacyFreeBusyStatus"):
            parts.append(f"<t:LegacyFreeBusyStatus>{event.legacy_free_busy}</t:LegacyFreeBusyStatus>")
        if want("calendar:Location"):
            parts.append(f"<t:Location>{escape(event.location)}</t:Location>")
        return f"<t:CalendarItem>{''.join(parts)}</t:CalendarItem>"

    def _find_event(self, item_id: str) -> tuple[Mailbox, Event] | None:
        for box in self.org.mailboxes.values():
            for event in box.events:
                if event.item_id == item_id:
                    return box, event
        return None

    def _owned_event(self, ctx: _Context, item_id: str) -> tuple[Mailbox, Event] | None | str:
        found = self._find_event(item_id)
        if found is None:
            return "ErrorItemNotFound"
        _, error = self._mailbox_for(ctx, found[0].address)
        return error if error else found

    def _op_GetItem(self, ctx: _Context, req: Element) -> list[str]:  # noqa: N802
        base, fields = self._shape(ctx, req.find(_m("ItemShape")))
        ids = [e.get("Id") or "" for e in req.iter(_t("ItemId"))]
        ctx.notes["item_ids"] = ids
        messages, returned = [], set()  # type: ignore[var-annotated]
        for item_id in ids:
            found = self._owned_event(ctx, item_id)
            if isinstance(found, str) or found is None:
                messages.append(self._error(ctx, found or "ErrorItemNotFound", "<m:Items/>"))
                continue
            box, event = found
            if self._calendar_denied(box, "calendar"):
                messages.append(self._error(ctx, "ErrorAccessDenied", "<m:Items/>"))
                continue
            messages.append(
                self._ok(
                    ctx.operation, f"<m:Items>{self._item_xml(event, box, base, fields, returned)}</m:Items>"
                )
            )
        ctx.notes["returned_fields"] = sorted(returned)
        return messages

    def _op_CreateItem(self, ctx: _Context, req: Element) -> list[str]:  # noqa: N802
        ctx.notes["send_meeting_invitations"] = req.get("SendMeetingInvitations")
        target = req.find(f"{_m('SavedItemFolderId')}/*")
        items = req.find(_m("Items"))
        if target is None:
            box, error = self._mailbox_for(ctx, None)
        else:
            box, _, error = self._folder_ref(ctx, target)
        messages = []
        for elem in list(items) if items is not None else []:
            if error is not None or box is None:
                messages.append(self._error(ctx, error or "ErrorFolderNotFound", "<m:Items/>"))
                continue
            reviewer_only = ctx.impersonated is None and box.delegate_folders is not None
            if box.behaviour in (Behaviour.WRITE_DENIED, Behaviour.FOLDER_DENIED) or reviewer_only:
                messages.append(self._error(ctx, "ErrorCreateItemAccessDenied", "<m:Items/>"))
                continue
            start, end = (
                _parse_datetime(elem.findtext(_t("Start"))),
                _parse_datetime(elem.findtext(_t("End"))),
            )
            if _local(elem.tag) != "CalendarItem" or start is None or end is None:
                messages.append(self._error(ctx, "ErrorInvalidOperation", "<m:Items/>"))
                continue
            attendees = elem.find(_t("RequiredAttendees")) is not None or elem.find(_t("OptionalAttendees"))
            ctx.notes["attendees"] = bool(attendees is not None and attendees is not False)
            item_id, change_key = new_item_id()
            box.events.append(
                Event(
                    item_id=item_id,
                    change_key=change_key,
                    subject=elem.findtext(_t("Subject")) or "",
                    body=elem.findtext(_t("Body")) or "",
                    location=elem.findtext(_t("Location")) or "",
                    start=start,
                    end=end,
                    is_all_day=(elem.findtext(_t("IsAllDayEvent")) or "").lower() == "true",
                    created_by_client=True,
                )
            )
            ctx.notes.setdefault("created", []).append(item_id)
            messages.append(
                self._ok(
                    ctx.operation,
                    f'<m:Items><t:CalendarItem><t:ItemId Id="{item_id}" '
                    f'ChangeKey="{change_key}"/></t:CalendarItem></m:Items>',
                )
            )
        return messages

    def _op_DeleteItem(self, ctx: _Context, req: Element) -> list[str]:  # noqa: N802
        ctx.notes["delete_type"] = req.get("DeleteType")
        messages = []
        for elem in req.iter(_t("ItemId")):
            found = self._owned_event(ctx, elem.get("Id") or "")
            if isinstance(found, str) or found is None:
                messages.append(self._error(ctx, found or "ErrorItemNotFound"))
                continue
            box, event = found
            if box.behaviour is Behaviour.DELETE_FAILS:
                messages.append(self._error(ctx, "ErrorCannotDeleteObject"))
                continue
            box.events.remove(event)
            ctx.notes.setdefault("deleted", []).append(event.item_id)
            messages.append(self._ok(ctx.operation))
        return messages

    @staticmethod
    def _mailbox_xml(name: str, address: str, kind: str = "Mailbox") -> str:
        return (
            f"<t:Mailbox><t:Name>{escape(name)}</t:Name><t:EmailAddress>{escape(address)}</t:EmailAddress>"
            f"<t:RoutingType>SMTP</t:RoutingType><t:MailboxType>{kind}</t:MailboxType></t:Mailbox>"
        )

    def _directory(self) -> list[tuple[str, str, str]]:
        entries = [(b.display_name, b.address, "Mailbox") for b in self.org.mailboxes.values()]
        entries.append((self.org.scope_group_name, self.org.scope_group_address, "PublicDL"))
        entries.append(("EC Nested Team", self.org.nested_group_address, "PublicDL"))
        return entries

    def _op_ResolveNames(self, ctx: _Context, req: Element) -> list[str]:  # noqa: N802
        entry = (req.findtext(_m("UnresolvedEntry")) or "").strip()
        ctx.notes["unresolved_entry"] = entry
        needle = entry.lower().removeprefix("smtp:")
        matches = [e for e in self._directory() if e[1] == needle] or [
            e
            for e in self._directory()
            if needle and (e[0].lower().startswith(needle) or e[1].startswith(needle))
        ]
        if not matches:
            return [self._error(ctx, "ErrorNameResolutionNoResults")]
        # At most 100 candidates, "the first 100 that are encountered" (ResolveNamesType, Remarks:
        # https://learn.microsoft.com/previous-versions/office/developer/exchange-server-2010/bb408804(v=exchg.140));
        # a capped set says IncludesLastItemInRange="false".
        resolutions = "".join(f"<t:Resolution>{self._mailbox_xml(*m)}</t:Resolution>" for m in matches[:100])
        last = "true" if len(matches) <= 100 else "false"
        content = (
            f'<m:ResolutionSet TotalItemsInView="{len(matches)}" IncludesLastItemInRange="{last}">'
            f"{resolutions}</m:ResolutionSet>"
        )
        if len(matches) == 1:
            return [self._ok(ctx.operation, content)]
        return [
            f'<m:ResolveNamesResponseMessage ResponseClass="Warning"><m:MessageText>Multiple results were '
            f"found.</m:MessageText><m:ResponseCode>ErrorNameResolutionMultipleResults</m:ResponseCode>"
            f"<m:DescriptiveLinkKey>0</m:DescriptiveLinkKey>{content}</m:ResolveNamesResponseMessage>"
        ]

    def _op_FindPeople(self, ctx: _Context, req: Element) -> list[str]:  # noqa: N802
        """The global address list searched with a query string, as Exchange 2013 and later answer.

        Sources (https://learn.microsoft.com/exchange/client-developer/web-service-reference/
        findpeople-operation): `DistinguishedFolderId Id="directory"` searches the GAL, which "does not allow
        for browsing": a `QueryString` is required there (no query: ErrorInvalidArgument here); the page is
        the `IndexedPageItemView`'s `Offset` and `MaxEntriesReturned`; the answer is one `FindPeopleResponse`
        straight in the SOAP Body (ResponseClass, ResponseCode, `People` of `Persona` with `DisplayName`,
        `EmailAddress`, `PersonaType`, then `TotalNumberOfPeopleInView`), not wrapped in ResponseMessages.
        It runs in a mailbox's context: the impersonated one; the service account's own (it has none here)
        gives ErrorNonExistentMailbox. A server without FindPeople (`find_people` False) fails the request
        schema validation before it gets here, as Exchange 2010 does for an element it does not know.
        """
        folder = req.find(f"{_m('ParentFolderId')}/{_t('DistinguishedFolderId')}")
        view = req.find(_m("IndexedPageItemView"))
        query = (req.findtext(_m("QueryString")) or "").strip().lower()
        ctx.notes["query_string"] = query

        def answer(code: str, content: str = "") -> list[str]:
            ok = code == "NoError"
            if not ok:
                ctx.notes.setdefault("error", code)
            text = "" if ok else f"<m:MessageText>{escape(error_text(code))}</m:MessageText>"
            return [f'<m:FindPeopleResponse ResponseClass="{"Success" if ok else "Error"}" {_MT}>{text}'
                    f"<m:ResponseCode>{code}</m:ResponseCode>{content}</m:FindPeopleResponse>"]

        if ctx.impersonated is None:
            return answer("ErrorNonExistentMailbox")
        if folder is None or (folder.get("Id") or "").lower() != "directory" or view is None or not query:
            return answer("ErrorInvalidArgument")
        try:
            offset = max(0, int(view.get("Offset", "0")))
            size = max(1, min(FIND_PEOPLE_MAX_PAGE, int(view.get("MaxEntriesReturned", "100"))))
        except ValueError:
            return answer("ErrorInvalidArgument")
        found = [e for e in sorted(self._directory(), key=lambda e: e[1])
                 if e[0].lower().startswith(query) or e[1].startswith(query)]
        ctx.notes["offset"], ctx.notes["returned"] = offset, len(found[offset:offset + size])
        people = "".join(
            f"<t:Persona><t:PersonaId Id=\"{escape(address)}\"/><t:PersonaType>"
            f"{'Person' if kind == 'Mailbox' else 'DistributionList'}</t:PersonaType>"
            f"<t:DisplayName>{escape(name)}</t:DisplayName><t:EmailAddress><t:Name>{escape(address)}</t:Name>"
            f"<t:EmailAddress>{escape(address)}</t:EmailAddress><t:RoutingType>SMTP</t:RoutingType>"
            f"</t:EmailAddress></t:Persona>"
            for name, address, kind in found[offset:offset + size])
        return answer("NoError", f"<m:People>{people}</m:People>"
                                 f"<m:TotalNumberOfPeopleInView>{len(found)}</m:TotalNumberOfPeopleInView>")

    def _op_ExpandDL(self, ctx: _Context, req: Element) -> list[str]:  # noqa: N802
        """The group's direct members, as Exchange answers: one ExpandDLResponseMessage with a DLExpansion of
        Mailbox elements (nested groups listed as PublicDL, not expanded: "A distribution list expansion is
        not recursive"), ErrorNameResolutionNoResults for an unknown group. Members come from the live
        organisation, so a test's `join_scope` / `leave_scope` shows at once. Sources:
        https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/expanddl and
        https://learn.microsoft.com/exchange/client-developer/web-service-reference/expanddlresponsemessage
        """
        address = (req.findtext(f"{_m('Mailbox')}/{_t('EmailAddress')}") or "").strip().lower()
        ctx.notes["group"] = address
        if address == self.org.scope_group_address:
            members = [(b.display_name, b.address, "Mailbox") for b in self.org.scope_members()]
            members.append(("EC Nested Team", self.org.nested_group_address, "PublicDL"))
        elif address == self.org.nested_group_address:
            members = [(b.display_name, b.address, "Mailbox") for b in self.org.nested_members()]
        else:
            return [self._error(ctx, "ErrorNameResolutionNoResults")]
        body = "".join(self._mailbox_xml(*m) for m in members)
        return [
            self._ok(
                ctx.operation,
                f'<m:DLExpansion TotalItemsInView="{len(members)}" '
                f'IncludesLastItemInRange="true">{body}</m:DLExpansion>',
            )
        ]

    # -- SOAP autodiscover ------------------------------------------------------------------------
    def handle_autodiscover(self, request: Request) -> Response:
        notes = request.record.notes
        notes["endpoint"] = "autodiscover"
        try:
            principal = self._authenticate(request)
            notes["auth"], notes["principal"] = principal.method, principal.name
            envelope = self._parse(request.body)
        except HttpAnswer as answer:
            return answer.response
        except SoapFault as fault:
            return self._fault(fault)
        users = [u.text or "" for u in envelope.iter(f"{{{A_NS}}}Mailbox")]
        settings = [s.text or "" for s in envelope.iter(f"{{{A_NS}}}Setting")]
        notes["operation"], notes["users"], notes["settings"] = "GetUserSettings", users, settings
        ews_url = f"{self.server.url if self.server else ''}{EWS_PATH}"
        responses = "".join(self._user_response(u, settings, ews_url) for u in users)
        v = self.version
        body = fixtures.render(
            "autodiscover_user_settings.xml",
            major=str(v.major),
            minor=str(v.minor),
            major_build=str(v.major_build),
            minor_build=str(v.minor_build),
            user_responses=responses,
        )
        return self._soap(200, body)

    def _user_response(self, user: str, settings: list[str], ews_url: str) -> str:
        box = self.org.mailbox(user)
        if box is None:
            return (
                f"<UserResponse><ErrorCode>InvalidUser</ErrorCode><ErrorMessage>Invalid user: "
                f'{escape(quoteattr(user))}</ErrorMessage><RedirectTarget i:nil="true"/><UserSettingErrors/>'
                f"<UserSettings/></UserResponse>"
            )
        values = {
            "ExternalEwsUrl": ews_url,
            "InternalEwsUrl": ews_url,
            "AutoDiscoverSMTPAddress": box.address,
            "UserDisplayName": box.display_name,
            "UserDN": box.distinguished_name,
            "EwsSupportedSchemas": "Exchange2007, Exchange2007_SP1, Exchange2010, Exchange2010_SP1, "
            "Exchange2010_SP2, Exchange2013, Exchange2013_SP1, Exchange2015, Exchange2016",
            "CasVersion": f"{self.version.major}.{self.version.minor}.{self.version.major_build}."
            f"{self.version.minor_build}",
        }
        found, errors = [], []
        for name in settings:
            if name in values:
                found.append(
                    f'<UserSetting i:type="StringSetting"><Name>{name}</Name>'
                    f"<Value>{escape(values[name])}</Value></UserSetting>"
                )
            else:
                errors.append(
                    f"<UserSettingError><ErrorCode>SettingIsNotAvailable</ErrorCode><ErrorMessage>"
                    f"User setting '{escape(name)}' is not available. </ErrorMessage>"
                    f"<SettingName>{escape(name)}</SettingName></UserSettingError>"
                )
        return (
            f"<UserResponse><ErrorCode>NoError</ErrorCode><ErrorMessage>No error.</ErrorMessage>"
            f'<RedirectTarget i:nil="true"/><UserSettingErrors>{"".join(errors)}</UserSettingErrors>'
            f"<UserSettings>{''.join(found)}</UserSettings></UserResponse>"
        )
