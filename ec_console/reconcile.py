"""Reconcile one application: who the directory says it may reach, who is linked, who it really reaches.

Three sets side by side (docs/reconcile.md):

- **scope**: what the directory says (`providers/scope.py`: Exchange's scoping group through EWS ExpandDL,
  Graph's `/groups/{id}/members`, Google's intended domain, organisational unit or group);
- **linked**: the application's `linked` and `needs_relink` profiles;
- **reachable**: live probes through the bulk probe sessions check all uses (`checkall.run_probes`), of the
  linked profiles and of a sample of directory users outside the scope. Nothing is written by the probes:
  a reconciliation records its own findings, never a profile's status.

Four findings, the most serious first: **leaks** (outside the scope, the probe succeeds: `scope_not_enforced`
with the platform's fix), **joiners** (in scope, not linked), **leavers** (linked, no longer in scope; the
platform's step to withdraw the account is shown), **broken** (linked, in scope, the probe fails; with its
diagnosis). A set that cannot be read (directory permission missing, group not found, throttled, the
application itself failing) is named in `unknown` and the findings that need it are `None` ("cannot tell"),
never 0.

`reconcile()` runs one and stores it (registry schema `RECONCILIATIONS_VERSION`); `apply_joiners()` links the
joiners and `apply_leavers()` revokes the leavers through the dashboard's operations, each change audited
under the reconciliation's id. `drift_text()` is the dashboard's line "+3 joiners, −2 leavers, 0 leaks since
28 Nov". Qt-free; blocking (call it from a worker thread in the GUI). Results are plain dataclasses.
"""

from __future__ import annotations

import copy
import json
import random
import shlex
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ec_console.checkall import DEFAULT_CONCURRENCY, AppContext, JobResult, ProbeJob, Recorder, run_probes
from ec_console.checks import CancelToken, CheckCancelled
from ec_console.errors import BadInput
from ec_console.i18n import N_, SOURCE_LANGUAGE, _, current_language, format_number
from ec_console.providers.base import GraphAdapter, ProbeKind, ProbeOutcome, ProviderAdapter
from ec_console.providers.scope import DirectoryUnreadable, ScopeSource, scope_source
from ec_console.registry import Application, ChangedElsewhere, ProfileQuery, Registry, parse_utc, utc_now
from ec_console.shown_text import counted, english_count, match, shown
from ec_console.texts import localized
from ec_console.words import count

FINDINGS = ("leak", "joiner", "leaver", "broken")           # the order they are shown in: leaks first
FINDING_LABELS = {"leak": ("leak", "leaks"), "joiner": ("joiner", "joiners"),
                  "leaver": ("leaver", "leavers"), "broken": ("broken profile", "broken profiles")}
# The plural of each finding, as a heading, and "cannot tell" (the CLI's text; the window has its own).
_HEADINGS = {"leak": N_("Leaks"), "joiner": N_("Joiners"), "leaver": N_("Leavers"),
             "broken": N_("Broken profiles")}
# "3 joiners" in the current language (literal texts, so that the catalog has every plural).
_COUNT = {"leak": lambda n: count(n, "leak", "leaks"), "joiner": lambda n: count(n, "joiner", "joiners"),
          "leaver": lambda n: count(n, "leaver", "leavers"),
          "broken": lambda n: count(n, "broken profile", "broken profiles")}
_UNKNOWN = {"joiner": N_("joiners unknown"), "leaver": N_("leavers unknown"), "leak": N_("leaks unknown")}
DEFAULT_SAMPLE, MIN_SAMPLE, MAX_SAMPLE = 20, 1, 1000
SETS = ("scope", "directory", "reachable")                  # what `unknown` may name

AUDIT_RECORDED = "reconciliation_recorded"
AUDIT_JOINER_LINKED = "reconciliation_joiner_linked"
AUDIT_JOINER_NOT_LINKED = "reconciliation_joiner_not_linked"
AUDIT_LEAVER_REVOKED = "reconciliation_leaver_revoked"
AUDIT_BROKEN_RELINKED = "reconciliation_broken_relinked"


def validate_sample(value: Any) -> int:
    """`value` if it is a usable sample size (1..1000), else BadInput saying why."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadInput(_("the sample size must be a whole number, not {value}").format(value=repr(value)))
    if not MIN_SAMPLE <= value <= MAX_SAMPLE:
        raise BadInput(_("the sample size must be between {low} and {high}, not {value}").format(
            low=format_number(MIN_SAMPLE), high=format_number(MAX_SAMPLE), value=format_number(value)))
    return value


@dataclass(frozen=True)
class Finding:
    email: str
    finding: str                        # one of FINDINGS
    name: str = ""
    diagnosis: str | None = None        # the diagnosis code (leak: scope_not_enforced; broken: the probe's)
    detail: str = ""                    # what was found, in plain words
    fix: str = ""                       # what to do (the platform's fix or step)
    profile_id: int | None = None
    reachable: bool | None = None       # leavers: whether the probe still reached the account

    def to_dict(self) -> dict[str, Any]:
        return {"email": self.email, "finding": self.finding, "name": self.name, "diagnosis": self.diagnosis,
                "detail": self.detail, "fix": self.fix, "profile_id": self.profile_id,
                "reachable": self.reachable}


@dataclass
class Reconciliation:
    application: str
    application_id: int
    provider: str
    at: str
    scope_source: str = ""
    scope_size: int | None = None
    linked_size: int = 0
    findings: list[Finding] = field(default_factory=list)
    unknown: dict[str, str] = field(default_factory=dict)   # set -> why it could not be read
    sample: list[str] = field(default_factory=list)          # the outsiders probed
    sample_random: int = 0                                   # how many of them were drawn at random
    outsiders: int | None = None                             # directory users outside the scope (pool size)
    untested: dict[str, str] = field(default_factory=dict)   # email -> why its probe could not tell
    notes: list[str] = field(default_factory=list)
    id: int | None = None
    # The versions the person deciding saw (read when it was made; not stored): applying it is refused
    # (ChangedElsewhere) when another console changed the application or a leaver's profile since. None /
    # empty: not checked (a reconciliation built elsewhere).
    application_version: int | None = None
    profile_versions: dict[int, int] = field(default_factory=dict)

    def of(self, finding: str) -> list[Finding]:
        return [f for f in self.findings if f.finding == finding]

    @property
    def counts(self) -> dict[str, int | None]:
        """Per finding; None where a set it needs could not be read (a leak found is still counted)."""
        found = {name: len(self.of(name)) for name in FINDINGS}
        if "scope" in self.unknown:
            return {name: (found[name] or None) for name in FINDINGS}
        out: dict[str, int | None] = dict(found)
        if "reachable" in self.unknown:
            out["broken"] = found["broken"] or None
            out["leak"] = found["leak"] or None
        if ("directory" in self.unknown or "install" in self.unknown) and not found["leak"]:
            out["leak"] = None
        if self.sample and all(e in self.untested for e in self.sample) and not found["leak"]:
            out["leak"] = None            # not one account of the sample could be probed
        return out

    @property
    def failed(self) -> bool:
        """A leak or a broken profile found, or a set that could not be read (nothing proven)."""
        counts = self.counts
        return bool(counts["leak"] or counts["broken"]) or bool(self.unknown) or None in counts.values()

    def confidence(self) -> str:
        """What the leak sample means, in plain words (only a random sample supports a statement). English:
        the `confidence` of --json; `shown_confidence()` is the reader's language."""
        return self._confidence(shown=False)

    def shown_confidence(self) -> str:
        """`confidence()` in the current language (the command line's text, the Reconcile window)."""
        return self._confidence(shown=True)

    def _confidence(self, *, shown: bool) -> str:
        t: Callable[[str], str] = _ if shown else str
        accounts = (lambda n: count(n, "account", "accounts")) if shown else \
            (lambda n: english_count(n, "account", "accounts"))
        number = format_number if shown else (lambda n: f"{n:,}")
        if "scope" in self.unknown or "reachable" in self.unknown:
            return t(_CANNOT_TELL_SET)
        leaks = len(self.of("leak"))
        if leaks:
            return t(_LEAKS_FOUND).format(accounts=accounts(leaks))
        if "directory" in self.unknown:
            return t(_CANNOT_TELL_DIRECTORY)
        if "install" in self.unknown:
            why = shown_reason(self.unknown["install"]) if shown else self.unknown["install"]
            return t(_NONE_IN_INSTALL).format(why=why)
        if not self.sample:
            return t(_NONE_PROBED)
        probed = [e for e in self.sample if e not in self.untested]
        if not probed:
            return t(_NONE_OF_SAMPLE).format(accounts=accounts(len(self.sample)))
        drawn = self.sample[len(self.sample) - self.sample_random:] if self.sample_random else []
        n = len([e for e in drawn if e not in self.untested])
        skipped = t(_NOT_COUNTED).format(accounts=accounts(len(drawn) - n)) if n < len(drawn) else ""
        if drawn and n == len(drawn) and self.outsiders is not None and n >= self.outsiders:
            return t(_EVERY_ONE).format(accounts=accounts(self.outsiders))
        if 0 < n <= 3:
            return t(_TOO_FEW).format(accounts=accounts(n), skipped=skipped)
        if n:
            share = 300 / n
            if shown and current_language() != SOURCE_LANGUAGE:
                from babel.numbers import format_percent

                pattern = "#,##0%" if share >= 1 else "#,##0.0%"
                percent = format_percent(share / 100, pattern, locale=current_language())
            else:
                percent = f"{share:.0f}%" if share >= 1 else f"{share:.1f}%"
            return t(_RULE_OF_THREE).format(accounts=accounts(n), skipped=skipped, share=percent,
                                            n=number(n))
        return t(_NOT_RANDOM).format(accounts=accounts(len(probed)))

    def to_dict(self) -> dict[str, Any]:
        counts = self.counts
        return {
            "reconciliation_id": self.id, "application": self.application, "provider": self.provider,
            "at": self.at, "scope_source": self.scope_source, "scope_size": self.scope_size,
            "linked_size": self.linked_size, "counts": counts,
            "leaks": [f.to_dict() for f in self.of("leak")],
            "joiners": [f.to_dict() for f in self.of("joiner")],
            "leavers": [f.to_dict() for f in self.of("leaver")],
            "broken": [f.to_dict() for f in self.of("broken")],
            "cannot_tell": dict(self.unknown),
            "sample": {"size": len(self.sample), "random": self.sample_random, "outsiders": self.outsiders,
                       "accounts": list(self.sample), "untested": dict(self.untested)},
            "confidence": self.confidence(), "notes": list(self.notes), "failed": self.failed,
        }


# What the leak sample means (`Reconciliation.confidence`): English in --json, shown in the reader's language.
_CANNOT_TELL_SET = N_("Leaks: cannot tell (a set could not be read).")
_LEAKS_FOUND = N_("{accounts} outside the scope can be reached: the scope is not enforced.")
_CANNOT_TELL_DIRECTORY = N_("Leaks: cannot tell (the directory could not be read to draw a sample).")
_NONE_IN_INSTALL = N_("Leaks: none in the Marketplace install as saved in this application; this console "
                      "cannot tell more: {why}.")
_NONE_PROBED = N_("No account outside the scope was probed: this says nothing about leaks.")
_NONE_OF_SAMPLE = N_("Leaks: cannot tell: none of the {accounts} sampled could be probed (see why below).")
_NOT_COUNTED = N_(" ({accounts} drawn could not be probed and are not counted)")
_EVERY_ONE = N_("Every one of the {accounts} outside the scope was probed and none could be reached.")
_TOO_FEW = N_("No leak in {accounts} drawn at random from outside the scope{skipped}: too few to say "
              "anything about the others. Take a larger sample (--sample 20 or more).")
_RULE_OF_THREE = N_("No leak in {accounts} drawn at random from outside the scope{skipped}. With 95% "
                    "confidence, fewer than {share} of the accounts outside the scope can be reached (the "
                    "rule of three: 3 in {n}). A smaller share cannot be ruled out without a larger sample "
                    "(--sample).")
_NOT_RANDOM = N_("No leak in the {accounts} probed. They were not drawn at random from the whole directory, "
                 "so this says nothing about the accounts not probed.")

# Notes, findings' details and fixes, and why a set could not be read: stored and in --json in English,
# shown in the reader's language from these templates (`shown_note`, `shown_detail`, `shown_fix`,
# `shown_reason`). A provider's own words (a step's detail, the platform step to withdraw an account) stay as
# they are.
_NOTE_MARKETPLACE = N_("No account outside the scope was probed: the accounts the install reaches are listed "
                       "from the Directory instead (a probe of a Marketplace app tests nothing).")
_NOTE_IN_SCOPE = N_("Not probed as outsiders, being in the scope: {accounts}")
_NOTE_YOUR_LIST = N_("The sample came from your list ({accounts} outside the scope)")
_NOTE_NO_DIRECTORY = N_("This platform's directory is not listed by the console: give a list of accounts "
                        "outside the scope to sample from (--sample-from FILE); only the --expect-denied "
                        "accounts were probed")
_NOTE_CAPPED = N_("The sample was drawn from {source}, which answered only part of the directory (a query's "
                  "answer was capped): it is not a random sample of everyone, so no share is estimated. Give "
                  "a full list with --sample-from for that.")
_NOTES = (_NOTE_MARKETPLACE, _NOTE_IN_SCOPE, _NOTE_YOUR_LIST, _NOTE_NO_DIRECTORY, _NOTE_CAPPED)
_APPLICATION_FAILED = N_("the application itself failed, so no account could be probed: {why}")
_PROBE_COULD_NOT_TELL = N_("the probe could not tell")
_MARKETPLACE_LEAK = N_("outside the scope; the Marketplace install reaches it (it is in {source})")
_JOINER = N_("in the scope, not linked")
_JOINER_FIX = N_("link it (--apply joiners links every joiner): {command}")
_LEAVER = {
    ("linked", None): N_("linked, no longer in the scope"),
    ("linked", True): N_("linked, no longer in the scope; the probe still reaches it"),
    ("linked", False): N_("linked, no longer in the scope; the probe no longer reaches it"),
    ("needs_relink", None): N_("linked (needs relink), no longer in the scope"),
    ("needs_relink", True): N_("linked (needs relink), no longer in the scope; the probe still reaches it"),
    ("needs_relink", False): N_("linked (needs relink), no longer in the scope; the probe no longer reaches "
                                "it"),
}
_LEAVER_FIX = N_("revoke its profile (--apply leavers revokes every leaver). On the platform, if not done "
                 "yet: {step}")
_RELINK_IT = N_("relink it")
_FIXED = (_JOINER, _PROBE_COULD_NOT_TELL, _RELINK_IT, *_LEAVER.values())


def _coded(text: str) -> str | None:
    """"code: cause" (a diagnosis' code and English cause) with the cause in the current language; None
    when `text` is not such a text."""
    code, sep, cause = text.partition(": ")
    if not sep or not code.replace("_", "").isalnum() or not code.islower():
        return None
    from ec_console.checks import Diagnosis
    from ec_console.diagnoses import CATALOG, localize

    if code not in CATALOG:
        return None
    return f"{code}: {localize(Diagnosis(code, cause, '')).cause}"


def shown_reason(text: str) -> str:
    """Why a set could not be read or a probe could not tell (`unknown`, `untested`), in the current
    language: the console's words and a diagnosis' cause translated, a provider's words as they are."""
    if not text or current_language() == SOURCE_LANGUAGE:
        return text
    if text in _FIXED:
        return _(text)
    return _coded(text) or shown(text, (_APPLICATION_FAILED,), {"why": lambda why: _coded(why) or why})


def shown_note(note: str) -> str:
    """A note of the reconciliation in the current language (a provider's note as it is)."""
    return shown(note, _NOTES, {"accounts": counted("account", "accounts")})


def shown_detail(finding: Finding) -> str:
    """What was found, in the current language (`Finding.detail` stays English: --json)."""
    text = finding.detail
    if not text or current_language() == SOURCE_LANGUAGE:
        return text
    if text in _FIXED:
        return _(text)
    if match(text, (_MARKETPLACE_LEAK,)) is not None:
        return shown(text, (_MARKETPLACE_LEAK,))
    if finding.finding == "leak" and finding.diagnosis:        # the diagnosis' cause
        from ec_console.checks import Diagnosis
        from ec_console.diagnoses import CATALOG, localize

        if finding.diagnosis in CATALOG:
            return localize(Diagnosis(finding.diagnosis, text, "")).cause
    return _coded(text) or text


def platform_step_text(finding: Finding) -> str:
    """A leaver's platform step, "On the platform, if not done yet: <the platform's step>", in the current
    language (the step itself is the platform's: as it is); a fix that holds none, as it is."""
    found = match(finding.fix, (_LEAVER_FIX,))
    if found is None:
        return finding.fix
    return _("On the platform, if not done yet: {step}").format(step=found[1]["step"])


def shown_fix(finding: Finding) -> str:
    """What to do, in the current language: the diagnosis' fix from its catalog entry (commands and links
    kept), the console's joiner and leaver words translated, the platform's own step as it is."""
    text = finding.fix
    if not text or current_language() == SOURCE_LANGUAGE:
        return text
    if text in _FIXED:
        return _(text)
    found = shown(text, (_JOINER_FIX, _LEAVER_FIX))
    if found != text:
        return found
    if finding.diagnosis:
        from ec_console.checks import Diagnosis
        from ec_console.diagnoses import CATALOG, localize

        if finding.diagnosis in CATALOG:
            return localize(Diagnosis(finding.diagnosis, "", text)).remediation
    return text


class _ProbeOnly(Recorder):
    """Keeps each outcome; writes nothing (a reconciliation changes no profile)."""

    writes = False

    def __init__(self) -> None:
        self.failure: ProbeOutcome | None = None

    def record(self, registry: Registry, job: ProbeJob, outcome: ProbeOutcome) -> JobResult:
        return JobResult(job, "unchanged", None, job.profile_id, outcome.detail, outcome)

    def application_failed(self, registry: Registry, application_id: int, outcome: ProbeOutcome) -> None:
        self.failure = self.failure or outcome


def _why(exc: DirectoryUnreadable) -> str:
    if exc.diagnosis is None:
        return exc.detail
    return f"{exc.diagnosis.code}: {exc.detail or exc.diagnosis.cause}"


def _outcome_text(outcome: ProbeOutcome) -> str:
    if outcome.diagnosis is None:
        return outcome.detail
    return f"{outcome.diagnosis.code}: {outcome.detail or outcome.diagnosis.cause}"


def _sign_in_share(ctx: AppContext) -> Any:
    """A Graph application's `SignInShare` (None for the other platforms, or an adapter of a test)."""
    if not isinstance(ctx.adapter, GraphAdapter):
        return None
    from ec_console.providers.graph.probe import SignInShare

    return SignInShare()


def reconcile(registry: Registry, application: str | Application, *, sample: int = DEFAULT_SAMPLE,
              sample_from: Sequence[str] | None = None, expect_denied: Sequence[str] = (),
              scope_group: str | None = None, region_id: str | None = None, store: Any = None,
              adapters: Mapping[str, ProviderAdapter] | None = None,
              sources: Mapping[str, ScopeSource] | None = None, rng: random.Random | None = None,
              concurrency: int = DEFAULT_CONCURRENCY, timeout: float | None = None,
              cancel: CancelToken | None = None, policy: Any = None, save: bool = True) -> Reconciliation:
    """Reconcile `application` and (with `save`) store the result; BadInput / ApplicationUnusable before any
    work when the inputs or the application cannot be used; CheckCancelled (nothing stored) on `cancel`."""
    from ec_console.dashboard import _context, clean_emails, resolve_application

    validate_sample(sample)
    listed = clean_emails(sample_from) if sample_from is not None else None
    app = resolve_application(registry, application)
    saved = app.settings.get("expect_denied")
    denied = clean_emails([*expect_denied, *([saved] if isinstance(saved, str) and saved else [])])
    ctx = _context(registry, app, region_id=region_id, store=store, adapters=adapters)
    share = _sign_in_share(ctx)
    if share is not None:   # the scope, the sample and the probes sign in once (Graph)
        adapter = copy.copy(ctx.adapter)
        adapter.share = share
        ctx = AppContext(ctx.application, adapter, ctx.secret)
    source = (sources or {}).get(app.provider) or scope_source(app.provider, share)
    cancel = cancel or CancelToken()
    rng = rng or random.SystemRandom()
    rec = Reconciliation(app.name, app.id, app.provider, utc_now(), application_version=app.version)

    profiles = [p for status in ("linked", "needs_relink")
                for p in registry.list_profiles(ProfileQuery(status=status, application_id=app.id))]
    linked = {p.email.lower(): p for p in profiles}
    rec.profile_versions = {p.id: p.version for p in profiles}
    revoked = {p.email.lower() for p in registry.list_profiles(ProfileQuery(status="revoked",
                                                                            application_id=app.id))}
    rec.linked_size = len(linked)

    scope: dict[str, str] | None = None
    reach: dict[str, str] | None = None     # the platform's own reach, listed, not probed (Marketplace)
    reach_source = ""
    try:
        read = source.members(app, ctx.secret, cancel, group=scope_group)
        scope = {k.lower(): v for k, v in read.members.items()}
        rec.scope_source, rec.scope_size = read.source, len(scope)
        rec.notes.extend(read.notes)
        if read.reach is not None:
            reach, reach_source = {k.lower(): v for k, v in read.reach.items()}, read.reach_source
            rec.unknown["install"] = read.reach_unread
    except DirectoryUnreadable as exc:
        rec.unknown["scope"] = _why(exc)

    # The leak sample: the expect-denied accounts always, plus N drawn from outside the scope.
    pool: list[str] = []
    if scope is not None and reach is not None:
        rec.notes.append(_NOTE_MARKETPLACE)
    elif scope is not None:
        outside = [e for e in denied if e.lower() in scope]
        if outside:
            rec.notes.append(_NOTE_IN_SCOPE.format(accounts=", ".join(outside)))
        rec.sample = [e.lower() for e in denied if e.lower() not in scope]
        taken = set(rec.sample) | set(linked)
        if listed is not None:
            pool = [e.lower() for e in listed if e.lower() not in scope and e.lower() not in taken]
            drawn = pool if len(pool) <= sample else rng.sample(pool, sample)
            rec.sample += drawn
            rec.notes.append(_NOTE_YOUR_LIST.format(accounts=english_count(len(pool), "account", "accounts")))
        else:
            try:
                directory = source.directory(app, ctx.secret, cancel)
            except DirectoryUnreadable as exc:
                directory = None
                rec.unknown["directory"] = _why(exc)
            if directory is None and "directory" not in rec.unknown:
                rec.notes.append(_NOTE_NO_DIRECTORY)
            elif directory is not None:
                rec.notes.extend(directory.notes)
                everyone = {k.lower() for k in directory.accounts}
                pool = sorted(e for e in everyone if e not in scope and e not in taken)
                drawn = pool if len(pool) <= sample else rng.sample(pool, sample)
                rec.sample += sorted(drawn)
                if directory.complete:
                    denied_known = [e for e in rec.sample if e in everyone and e not in drawn]
                    rec.outsiders = len(pool) + len(denied_known)
                    rec.sample_random = len(drawn)
                else:
                    rec.notes.append(_NOTE_CAPPED.format(source=directory.source))

    if cancel.cancelled:
        raise CheckCancelled()
    # Live probes: the linked profiles (broken; leavers still reachable) and the sample (leaks).
    jobs = [ProbeJob(app.id, p.email, p.id, p.display_name) for p in linked.values()]
    jobs += [ProbeJob(app.id, email) for email in rec.sample if email not in linked]
    recorder = _ProbeOnly()
    outcomes: dict[str, ProbeOutcome] = {}
    if jobs:
        summary = run_probes(registry, jobs, {app.id: ctx}, recorder, concurrency=concurrency, cancel=cancel,
                             timeout=timeout, policy=policy)
        if summary.cancelled or cancel.cancelled:
            raise CheckCancelled()
        outcomes = {r.job.email.lower(): r.outcome for r in summary.results if r.outcome is not None}
        failure = recorder.failure or next(iter(summary.application_failures.values()), None)
        if failure is not None:
            rec.unknown["reachable"] = _APPLICATION_FAILED.format(why=_outcome_text(failure))
    names = getattr(ctx.adapter, "diagnosis_names", lambda _a: {})(app)

    def tested(email: str) -> ProbeOutcome | None:
        outcome = outcomes.get(email)
        if outcome is None or "reachable" in rec.unknown:
            return None
        if outcome.kind in (ProbeKind.TRANSIENT, ProbeKind.CANCELLED, ProbeKind.UNVERIFIED):
            rec.untested[email] = _outcome_text(outcome) or _PROBE_COULD_NOT_TELL
            return None
        return outcome

    if scope is not None:
        from ec_console.diagnoses import diagnose

        for email in rec.sample:
            outcome = tested(email)
            if outcome is not None and outcome.ok:
                diagnosis = diagnose("scope_not_enforced", **{**names, "mailbox": email})
                rec.findings.append(Finding(email, "leak", "", diagnosis.code, diagnosis.cause,
                                            diagnosis.remediation))
        for email in sorted(set(reach or ()) - set(scope) - set(linked)):
            diagnosis = diagnose("scope_not_enforced",
                                 **{**names, "platform": "marketplace", "mailbox": email})
            rec.findings.append(Finding(email, "leak", (reach or {})[email], diagnosis.code,
                                        _MARKETPLACE_LEAK.format(source=reach_source), diagnosis.remediation))
        for email in sorted(set(scope) - set(linked) - revoked):
            command = f"ec-console profiles link --application {shlex.quote(app.name)} {email}"
            rec.findings.append(Finding(email, "joiner", scope[email], None, _JOINER,
                                        _JOINER_FIX.format(command=command)))
        for email in sorted(set(linked) - set(scope)):
            profile = linked[email]
            outcome = tested(email)
            reachable = (email in reach) if reach is not None else None if outcome is None else outcome.ok
            state = "linked" if profile.status == "linked" else "needs_relink"
            step = ctx.adapter.profile_withdrawal_step(app, profile.email)
            rec.findings.append(Finding(profile.email, "leaver", profile.display_name, None,
                                        _LEAVER[state, reachable], _LEAVER_FIX.format(step=step), profile.id,
                                        reachable))
        for email in sorted(set(linked) & set(scope)):
            profile = linked[email]
            outcome = tested(email)
            if outcome is not None and not outcome.ok:
                diagnosis = outcome.diagnosis
                rec.findings.append(Finding(profile.email, "broken", profile.display_name,
                                            diagnosis.code if diagnosis else None, _outcome_text(outcome),
                                            diagnosis.remediation if diagnosis else _RELINK_IT,
                                            profile.id))
    else:  # the scope is unknown: only a probe that failed outright is reported (it is broken either way)
        for email, profile in sorted(linked.items()):
            outcome = tested(email)
            if outcome is not None and not outcome.ok:
                diagnosis = outcome.diagnosis
                rec.findings.append(Finding(profile.email, "broken", profile.display_name,
                                            diagnosis.code if diagnosis else None, _outcome_text(outcome),
                                            diagnosis.remediation if diagnosis else _RELINK_IT, profile.id))
    if save:
        record_reconciliation(registry, rec)
    return rec


# --- stored reconciliations ---------------------------------------------------------------------------------


def record_reconciliation(registry: Registry, rec: Reconciliation) -> int:
    """Store `rec` (counts, sample size, findings; no calendar contents) and audit it; sets `rec.id`."""
    counts = rec.counts
    with registry.transaction() as conn:
        cur = conn.execute(
            """INSERT INTO reconciliations (application_id, at, operator, leaks, joiners, leavers, broken,
                   scope_size, linked_size, sample_size, sample_random, unknown)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            (rec.application_id, rec.at, _operator(), counts["leak"], counts["joiner"],
             counts["leaver"], counts["broken"], rec.scope_size, rec.linked_size, len(rec.sample),
             1 if rec.sample_random else 0, ",".join(sorted(rec.unknown))))
        rec.id = int(cur.lastrowid or 0)
        conn.executemany(
            "INSERT INTO reconciliation_findings (reconciliation_id, email, finding, diagnosis) "
            "VALUES (?, ?, ?, ?)",
            [(rec.id, f.email, f.finding, f.diagnosis) for f in rec.findings])
        registry.audit(AUDIT_RECORDED, rec.application, json.dumps(
            {"reconciliation": rec.id, "counts": counts, "sample": len(rec.sample),
             "cannot_tell": sorted(rec.unknown)}))
    return rec.id


def _operator() -> str:
    from ec_console.registry import _os_user

    return _os_user()


@dataclass(frozen=True)
class StoredReconciliation:
    id: int
    application_id: int
    at: str
    operator: str
    counts: dict[str, int | None]
    sample_size: int
    sample_random: bool
    unknown: tuple[str, ...]


def reconciliations(registry: Registry, application_id: int, *,
                    limit: int = 50) -> list[StoredReconciliation]:
    """The application's stored reconciliations, newest first."""
    with registry.transaction() as conn:
        rows = conn.execute(
            """SELECT id, application_id, at, operator, leaks, joiners, leavers, broken, sample_size,
                      sample_random, unknown
               FROM reconciliations WHERE application_id = ? ORDER BY id DESC LIMIT ?""",
            (application_id, limit)).fetchall()
    return [StoredReconciliation(r[0], r[1], r[2], r[3], dict(zip(FINDINGS, r[4:8], strict=True)), r[8],
                                 bool(r[9]), tuple(x for x in r[10].split(",") if x)) for r in rows]


def stored_findings(registry: Registry, reconciliation_id: int) -> list[tuple[str, str, str | None]]:
    """(email, finding, diagnosis code) of a stored reconciliation."""
    with registry.transaction() as conn:
        return [tuple(r) for r in conn.execute(  # type: ignore[misc]
            "SELECT email, finding, diagnosis FROM reconciliation_findings WHERE reconciliation_id = ? "
            "ORDER BY id", (reconciliation_id,)).fetchall()]


def _signed(n: int, name: str) -> str:
    text = _COUNT[name](abs(n))
    return ("+" if n > 0 else "\u2212" if n < 0 else "") + text


def drift_text(registry: Registry, application_id: int) -> str | None:
    """"+3 joiners, −2 leavers, 0 leaks since 28 Nov": the change in joiners and leavers since the previous
    reconciliation, the leaks found by the latest, and the previous one's local date. None with fewer than
    two reconciliations; a count that could not be told reads "leaks unknown"."""
    latest = reconciliations(registry, application_id, limit=2)
    if len(latest) < 2:
        return None
    new, old = latest
    parts = []
    for name in ("joiner", "leaver"):
        a, b = new.counts[name], old.counts[name]
        parts.append(_(_UNKNOWN[name]) if a is None or b is None else _signed(a - b, name))
    leaks = new.counts["leak"]
    parts.append(_(_UNKNOWN["leak"]) if leaks is None else count(leaks, "leak", "leaks"))
    when = parse_utc(old.at).astimezone()
    if current_language() == SOURCE_LANGUAGE:
        date = f"{when.day} {when:%b}"
    else:
        from babel.dates import format_skeleton

        date = format_skeleton("MMMd", when, locale=current_language())
    return _("{changes} since {date}").format(changes=", ".join(parts), date=date)


# --- applying a reconciliation ------------------------------------------------------------------------------


def apply_joiners(registry: Registry, rec: Reconciliation, *, region_id: str | None = None, store: Any = None,
                  adapters: Mapping[str, ProviderAdapter] | None = None,
                  concurrency: int = DEFAULT_CONCURRENCY, timeout: float | None = None,
                  cancel: CancelToken | None = None, policy: Any = None,
                  on_result: Callable[[JobResult], None] | None = None) -> list[JobResult]:
    """Link the joiners through the dashboard's link (probe, then record), each audited under `rec.id`."""
    from ec_console.dashboard import link_profiles

    if rec.id is None:
        raise ValueError("store the reconciliation before applying it")
    joiners = rec.of("joiner")
    if not joiners:
        return []
    _unchanged_application(registry, rec)

    def audited(result: JobResult) -> None:
        action = AUDIT_JOINER_LINKED if result.action == "linked" else AUDIT_JOINER_NOT_LINKED
        registry.audit(action, result.email, json.dumps(
            {"reconciliation": rec.id, "application": rec.application, "result": result.action,
             "diagnosis": result.code}))
        if on_result is not None:
            on_result(result)

    summary = link_profiles(registry, rec.application, [f.email for f in joiners],
                            names={f.email: f.name for f in joiners}, region_id=region_id, store=store,
                            adapters=adapters, concurrency=concurrency, timeout=timeout, cancel=cancel,
                            policy=policy, on_result=audited)
    return summary.results


def apply_leavers(registry: Registry, rec: Reconciliation, confirmation: str, *,
                  adapters: Mapping[str, ProviderAdapter] | None = None) -> list[Any]:
    """Revoke the leavers' profiles, only when `confirmation` is the application's name (typed by the admin);
    BadInput otherwise, with nothing changed. Each revoke is audited under `rec.id`."""
    from ec_console.dashboard import revoke_profiles

    if rec.id is None:
        raise ValueError("store the reconciliation before applying it")
    if not isinstance(confirmation, str) or confirmation.strip().casefold() != rec.application.casefold():
        raise BadInput(_("Revoking leavers needs the application's name typed as confirmation ({name}); "
                         "nothing was revoked").format(name=repr(rec.application)))
    ids = [f.profile_id for f in rec.of("leaver") if f.profile_id is not None]
    if ids:
        _unchanged_application(registry, rec)
    seen = {i: rec.profile_versions[i] for i in ids if i in rec.profile_versions}
    results = []
    # refused before anything is revoked when another console changed one of them since (ChangedElsewhere)
    for result in revoke_profiles(registry, ids, adapters=adapters, seen=seen or None):
        if result.changed:
            registry.audit(AUDIT_LEAVER_REVOKED, result.profile.email, json.dumps(
                {"reconciliation": rec.id, "application": rec.application,
                 "platform_step": result.withdrawal_step})[:4000])
        results.append(result)
    return results


def _unchanged_application(registry: Registry, rec: Reconciliation) -> None:
    """ChangedElsewhere when another console changed the application since the reconciliation was made."""
    if rec.application_version is None:
        return
    current = registry.get_application(rec.application_id)
    if current.version != rec.application_version:
        raise ChangedElsewhere("application", current.name, current.status)


def apply_relink(registry: Registry, rec: Reconciliation, profile_ids: Sequence[int] | None = None, *,
                 region_id: str | None = None, store: Any = None,
                 adapters: Mapping[str, ProviderAdapter] | None = None,
                 concurrency: int = DEFAULT_CONCURRENCY,
                 timeout: float | None = None, cancel: CancelToken | None = None, policy: Any = None,
                 on_result: Callable[[JobResult], None] | None = None) -> list[JobResult]:
    """Relink the broken profiles (all, or those of `profile_ids` that are broken in `rec`) through the
    dashboard's relink (a fresh probe), each audited under `rec.id`."""
    from ec_console.dashboard import relink_profiles

    if rec.id is None:
        raise ValueError("store the reconciliation before applying it")
    broken = [f.profile_id for f in rec.of("broken") if f.profile_id is not None]
    ids = broken if profile_ids is None else [i for i in profile_ids if i in set(broken)]
    if not ids:
        return []

    def audited(result: JobResult) -> None:
        registry.audit(AUDIT_BROKEN_RELINKED, result.email, json.dumps(
            {"reconciliation": rec.id, "application": rec.application, "result": result.action,
             "diagnosis": result.code}))
        if on_result is not None:
            on_result(result)

    summary = relink_profiles(registry, ids, concurrency=concurrency, cancel=cancel, on_result=audited,
                              region_id=region_id, store=store, adapters=adapters, timeout=timeout,
                              policy=policy)
    return summary.results


_SETS = {"scope": N_("the scope"), "directory": N_("the directory (to draw the leak sample)"),
         "reachable": N_("what the application can reach"),
         "install": N_("what the Marketplace install really reaches")}


def findings_text(rec: Reconciliation) -> Iterable[str]:
    """The reconciliation as text lines (the CLI prints them) in the current language: the four findings,
    leaks first, with counts."""
    yield _("Reconciliation of {application} ({at})").format(application=rec.application, at=rec.at)
    if rec.scope_source:
        yield "  " + _("Scope: {source}: {accounts}").format(
            source=localized(rec.scope_source), accounts=count(rec.scope_size or 0, "account", "accounts"))
    yield "  " + _("Linked: {profiles}").format(profiles=count(rec.linked_size, "profile", "profiles"))
    for name, why in rec.unknown.items():
        what = _(_SETS[name]) if name in _SETS else name
        yield "  " + _("Cannot tell: {what} could not be read: {why}").format(what=what,
                                                                            why=shown_reason(why))
    counts = rec.counts
    for name in FINDINGS:
        found = rec.of(name)
        if counts[name] is None:
            heading = _("{findings}: cannot tell").format(findings=_(_HEADINGS[name]))
        else:
            heading = _capitalized(_COUNT[name](counts[name] or 0))
        yield ""
        yield heading
        for f in found:
            yield f"  {f.email}{f' ({f.name})' if f.name else ''}: {shown_detail(f)}"
            if f.fix:
                first, *rest = shown_fix(f).splitlines()
                yield "    " + _("Fix: {first}").format(first=first)
                yield from (f"      {line}" for line in rest if line.strip())
    yield ""
    yield rec.shown_confidence()
    for email, why in rec.untested.items():
        yield "  " + _("Not told by its probe: {email}: {why}").format(email=email, why=shown_reason(why))
    for note in rec.notes:
        yield _("Note: {note}").format(note=shown_note(note))


def _capitalized(text: str) -> str:
    """The text with its first letter in capitals and the rest as it is (`str.capitalize` would lower the
    rest: German nouns keep their capitals)."""
    return text[:1].upper() + text[1:]


__all__ = ["FINDINGS", "Finding", "Reconciliation", "StoredReconciliation", "apply_joiners", "apply_leavers",
           "apply_relink",
           "drift_text", "findings_text", "reconcile", "reconciliations", "record_reconciliation",
           "stored_findings", "validate_sample"]
