"""Where the monitor's alerts go: a webhook (Microsoft Teams or Slack), email through SMTP, the desktop.

Each notifier has `channel` (a name safe to print) and `send(title, body)`, which raises `DeliveryFailed`
with a message that names no secret (never the webhook address, never the SMTP password).

- **Webhook URLs are secrets** (anyone holding one can post into the channel): kept in the keychain
  (`webhook_secret_key`), registered with the log redaction, never in a file, a log line or argv. https
  only; plain http only to a loopback address (tests, a local relay). Ten-second timeout, no redirects.
- **Slack** incoming webhook: `{"text": "..."}` posted as JSON (Slack's "Sending messages using incoming
  webhooks": `curl -X POST -H 'Content-type: application/json' --data '{"text":"Hello, World!"}' URL`).
- **Microsoft Teams**: the Workflows "Post to a channel when a webhook request is received" trigger, which
  replaces the retired Office 365 connectors and "support[s] Adaptive Cards only" (Microsoft Learn, "Create
  and send messages", webhooks-and-connectors/how-to/connectors-using): a message whose attachment has
  `contentType` `application/vnd.microsoft.card.adaptive` and an AdaptiveCard `content` of TextBlocks.
- **SMTP** with STARTTLS (refused when the server does not offer it), certificate checked against the OS
  store; the password lives in the keychain (`smtp_secret_key`).
- **Desktop**: the OS notifier, best effort: `notify-send TITLE BODY` (Linux, libnotify), `osascript`
  `display notification` (macOS), a toast through PowerShell's Windows.UI.Notifications (Windows). The
  text goes as arguments or environment values, never spliced into a script.

Languages: the title and body (the alert's text) come in the current language (a scheduled job keeps the
language it was installed in: `monitor_jobs.PASSED_ENV`); the payloads' JSON fields and fixed values
(`type`, `contentType`, `version`, ...) never change. A delivery failure is a `phrases.Phrase`: English in
`monitor run --json` and the audit, shown in the current language.
"""

from __future__ import annotations

import ipaddress
import json
import shutil
import smtplib
import ssl
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from email.message import EmailMessage
from typing import Any
from urllib.parse import urlsplit

from ec_console.errors import BadInput
from ec_console.i18n import N_, _
from ec_console.phrases import Phrase

WEBHOOK_KINDS = ("teams", "slack")
TIMEOUT = 10.0
MONITOR_SECRET_OWNER = "(monitor)"   # the "application name" part of the monitor's keychain entries


class DeliveryFailed(Exception):
    """An alert was not delivered; the message is safe to print (no secret in it)."""


def webhook_secret_key(region_id: str) -> str:
    from ec_console.secrets import secret_key

    return secret_key(region_id, MONITOR_SECRET_OWNER, "monitor_webhook_url")


def smtp_secret_key(region_id: str) -> str:
    from ec_console.secrets import secret_key

    return secret_key(region_id, MONITOR_SECRET_OWNER, "monitor_smtp_password")


def _loopback(host: str) -> bool:
    if host in ("localhost",):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def validate_webhook_url(url: str) -> str:
    """`url` if it is an https URL (or http to a loopback address), else BadInput (the URL not quoted)."""
    url = (url or "").strip()
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
    except ValueError:
        raise BadInput(_("The webhook address is not a valid URL.")) from None
    if not host or parts.scheme not in ("https", "http"):
        raise BadInput(_("The webhook address must be an https:// URL."))
    if parts.scheme == "http" and not _loopback(host):
        raise BadInput(_("The webhook address must use https:// (plain http is allowed only to this "
                         "computer)."))
    return url


def slack_payload(title: str, body: str) -> dict[str, Any]:
    return {"text": f"*{title}*\n{body}"}


def teams_payload(title: str, body: str) -> dict[str, Any]:
    blocks: list[dict[str, Any]] = [
        {"type": "TextBlock", "text": title, "weight": "Bolder", "size": "Medium", "wrap": True}]
    blocks += [{"type": "TextBlock", "text": line, "wrap": True} for line in body.splitlines() if line]
    return {"type": "message", "attachments": [{
        "contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": None,
        "content": {"$schema": "http://adaptivecards.io/schemas/adaptive-card.json", "type": "AdaptiveCard",
                    "version": "1.4", "body": blocks}}]}


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class WebhookNotifier:
    def __init__(self, kind: str, url: str, *, timeout: float = TIMEOUT, ca_file: str | None = None) -> None:
        if kind not in WEBHOOK_KINDS:
            raise BadInput(_("webhook kind must be one of {kinds}, not {kind}").format(
                kinds=", ".join(WEBHOOK_KINDS), kind=repr(kind)))
        from ec_console.logs import register_secret

        self.kind, self.url, self.timeout = kind, validate_webhook_url(url), timeout
        self.ca_file = ca_file
        register_secret(self.url)
        self.channel = f"webhook ({'Microsoft Teams' if kind == 'teams' else 'Slack'})"

    def payload(self, title: str, body: str) -> dict[str, Any]:
        return teams_payload(title, body) if self.kind == "teams" else slack_payload(title, body)

    def send(self, title: str, body: str) -> None:
        data = json.dumps(self.payload(title, body)).encode()
        request = urllib.request.Request(self.url, data=data, method="POST",
                                         headers={"Content-Type": "application/json"})
        context = ssl.create_default_context(cafile=self.ca_file)
        opener = urllib.request.build_opener(_NoRedirect, urllib.request.HTTPSHandler(context=context))
        try:
            with opener.open(request, timeout=self.timeout) as answer:
                status = answer.status
        except urllib.error.HTTPError as exc:
            raise DeliveryFailed(Phrase(N_("the webhook answered HTTP {status}"), status=exc.code)) from None
        except TimeoutError:
            raise DeliveryFailed(self._no_answer()) from None
        except urllib.error.URLError as exc:
            reason = exc.reason
            if isinstance(reason, ssl.SSLError | ssl.CertificateError):
                raise DeliveryFailed(Phrase(N_("the webhook's certificate is not trusted"))) from None
            if isinstance(reason, TimeoutError):
                raise DeliveryFailed(self._no_answer()) from None
            what = "error" if isinstance(reason, str) else type(reason).__name__
            raise DeliveryFailed(Phrase(N_("the webhook could not be reached ({what})"), what=what)) from None
        except OSError as exc:
            raise DeliveryFailed(Phrase(N_("the webhook could not be reached ({what})"),
                                        what=type(exc).__name__)) from None
        if not 200 <= status < 300:
            raise DeliveryFailed(Phrase(N_("the webhook answered HTTP {status}"), status=status))

    def _no_answer(self) -> Phrase:
        return Phrase(N_("the webhook did not answer within {seconds} s"), seconds=f"{self.timeout:g}")


class SmtpNotifier:
    def __init__(self, host: str, port: int, sender: str, recipients: Sequence[str], *, username: str = "",
                 password: str | None = None, timeout: float = TIMEOUT,
                 smtp_factory: Callable[..., Any] = smtplib.SMTP) -> None:
        if not host or not sender or not recipients:
            raise BadInput(_("email alerts need --smtp-host, --smtp-from and at least one --smtp-to"))
        self.host, self.port, self.sender, self.recipients = host, port, sender, list(recipients)
        self.username, self.password, self.timeout = username, password, timeout
        self._factory = smtp_factory
        if password:
            from ec_console.logs import register_secret

            register_secret(password)
        self.channel = f"email ({host})"

    def message(self, title: str, body: str) -> EmailMessage:
        msg = EmailMessage()
        msg["Subject"] = title
        msg["From"] = self.sender
        msg["To"] = ", ".join(self.recipients)
        msg.set_content(body)
        return msg

    def send(self, title: str, body: str) -> None:
        try:
            with self._factory(self.host, self.port, timeout=self.timeout) as smtp:
                smtp.ehlo()
                if not smtp.has_extn("starttls"):
                    raise DeliveryFailed(Phrase(N_("the mail server {host} does not offer STARTTLS; nothing "
                                                   "was sent in the clear"), host=self.host))
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
                if self.username:
                    smtp.login(self.username, self.password or "")
                smtp.send_message(self.message(title, body))
        except DeliveryFailed:
            raise
        except smtplib.SMTPAuthenticationError as exc:
            raise DeliveryFailed(Phrase(N_("the mail server refused the sign-in (SMTP {code})"),
                                        code=exc.smtp_code)) from None
        except smtplib.SMTPException as exc:
            raise DeliveryFailed(Phrase(N_("the mail server refused the message ({what})"),
                                        what=type(exc).__name__)) from None
        except (ssl.SSLError, ssl.CertificateError):
            raise DeliveryFailed(Phrase(N_("the mail server {host}'s certificate is not trusted"),
                                        host=self.host)) from None
        except OSError as exc:
            raise DeliveryFailed(Phrase(N_("the mail server {host} could not be reached ({what})"),
                                        host=self.host, what=type(exc).__name__)) from None


Runner = Callable[..., Any]  # subprocess.run-like: runner(argv, env=..., capture_output=True, timeout=...)

# A toast through the Windows Runtime from Windows PowerShell 5.1 (Windows.UI.Notifications, loaded as
# BurntToast loads it; the ToastText02 template: one bold line and one regular line). A toast needs the id
# of a registered application: Windows PowerShell's own (its Start-menu AppUserModelID) is used, so no
# registration is needed. The text comes from environment variables, never spliced into the script.
_POWERSHELL_APP_ID = "{1AC14E77-02E7-4E5D-B744-2EB1AE5198B7}\\WindowsPowerShell\\v1.0\\powershell.exe"
_WINDOWS_TOAST = (
    "[Windows.UI.Notifications.ToastNotificationManager, Windows.UI.Notifications, "
    "ContentType=WindowsRuntime] > $null; "
    "$xml = [Windows.UI.Notifications.ToastNotificationManager]::GetTemplateContent("
    "[Windows.UI.Notifications.ToastTemplateType]::ToastText02); "
    "$texts = $xml.GetElementsByTagName('text'); "
    "$texts.Item(0).AppendChild($xml.CreateTextNode($env:EC_ALERT_TITLE)) > $null; "
    "$texts.Item(1).AppendChild($xml.CreateTextNode($env:EC_ALERT_BODY)) > $null; "
    "$toast = [Windows.UI.Notifications.ToastNotification]::new($xml); "
    f"[Windows.UI.Notifications.ToastNotificationManager]::CreateToastNotifier('{_POWERSHELL_APP_ID}')"
    ".Show($toast)"
)


def desktop_command(title: str, body: str, platform: str | None = None) -> tuple[list[str], dict[str, str]]:
    """(argv, extra environment) that shows a notification on `platform` (a `sys.platform` value)."""
    platform = platform or sys.platform
    if platform == "darwin":
        return (["osascript", "-e", "on run argv", "-e",
                 "display notification (item 2 of argv) with title (item 1 of argv)", "-e", "end run",
                 title, body], {})
    if platform == "win32":
        return (["powershell.exe", "-NoProfile", "-NonInteractive", "-Command", _WINDOWS_TOAST],
                {"EC_ALERT_TITLE": title, "EC_ALERT_BODY": body})
    return ["notify-send", "--app-name=ec-console", title, body], {}


class DesktopNotifier:
    channel = "desktop"

    def __init__(self, *, platform: str | None = None, runner: Runner = subprocess.run,
                 which: Callable[[str], str | None] = shutil.which) -> None:
        self.platform, self._run, self._which = platform or sys.platform, runner, which

    def send(self, title: str, body: str) -> None:
        import os

        argv, extra = desktop_command(title, body, self.platform)
        if self._which(argv[0]) is None:
            raise DeliveryFailed(Phrase(N_("no desktop notifier on this computer ({program} not found)"),
                                        program=argv[0]))
        try:
            result = self._run(argv, env={**os.environ, **extra}, capture_output=True, timeout=TIMEOUT,
                               check=False)
        except (OSError, subprocess.SubprocessError) as exc:
            raise DeliveryFailed(Phrase(N_("the desktop notifier did not run ({what})"),
                                        what=type(exc).__name__)) from None
        if result.returncode != 0:
            raise DeliveryFailed(Phrase(N_("the desktop notifier failed (exit status {status}); a scheduled "
                                           "run can show notifications only in a signed-in desktop session"),
                                        status=result.returncode))


__all__ = ["WEBHOOK_KINDS", "DeliveryFailed", "DesktopNotifier", "SmtpNotifier", "WebhookNotifier",
           "desktop_command", "slack_payload", "smtp_secret_key", "teams_payload", "validate_webhook_url",
           "webhook_secret_key"]
