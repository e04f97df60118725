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
from ec_console.providers.base import GraphAdapter, ProbeKind, ProbeOutcome, ProviderAdapter
from ec_console.providers.scope import DirectoryUnreadable, ScopeSource, scope_source
from ec_console.registry import Application, ChangedElsewhere, ProfileQuery, Registry, parse_utc, utc_now
from ec_console.words import count

FINDINGS = ("leak", "joiner", "leaver", "broken")           # the order they are shown in: leaks first
FINDING_LABELS = {"leak": ("leak", "leaks"), "joiner": ("joiner", "joiners"),
                  "leaver": ("leaver", "leavers"), "broken": ("broken profile", "broken profiles")}
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
        raise BadInput(f"the sample size must be a whole number, not {value!r}")
    if not MIN_SAMPLE <= value <= MAX_SAMPLE:
        raise BadInput(f"the sample size must be between {MIN_SAMPLE} and {MAX_SAMPLE:,}, not {value:,}")
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
        """What the leak sample means, in plain words (only a random sample supports a statement)."""
        if "scope" in self.unknown or "reachable" in self.unknown:
            return "Leaks: cannot tell (a set could not be read)."
        leaks = len(self.of("leak"))
        if leaks:
            return (f"{count(leaks, 'account', 'accounts')} outside the scope can be reached: the scope is "
                    "not enforced.")
        if "directory" in self.unknown:
            return "Leaks: cannot tell (the directory could not be read to draw a sample)."
        if "install" in self.unknown:
            return ("Leaks: none in the Marketplace install as saved in this application; this console "
                    "cannot tell more: " + self.unknown["install"] + ".")
        if not self.sample:
            return "No account outside the scope was probed: this says nothing about leaks."
        probed = [e for e in self.sample if e not in self.untested]
        if not probed:
            sampled = count(len(self.sample), 'account', 'accounts')
            return f"Leaks: cannot tell: none of the {sampled} sampled could be probed (see why below)."
        drawn = self.sample[len(self.sample) - self.sample_random:] if self.sample_random else []
        n = len([e for e in drawn if e not in self.untested])
        skipped = (f" ({count(len(drawn) - n, 'account', 'accounts')} drawn could not be probed and "
                   "are not counted)") if n < len(drawn) else ""
        if drawn and n == len(drawn) and self.outsiders is not None and n >= self.outsiders:
            return (f"Every one of the {count(self.outsiders, 'account', 'accounts')} outside the scope was "
                    "probed and none could be reached.")
        if 0 < n <= 3:
            return (f"No leak in {count(n, 'account', 'accounts')} drawn at random from outside the scope"
                    f"{skipped}: too few to say anything about the others. Take a larger sample (--sample 20 "
                    "or more).")
        if n:
            share = 300 / n
            shown = f"{share:.0f}%" if share >= 1 else f"{share:.1f}%"
            return (f"No leak in {count(n, 'account', 'accounts')} drawn at random from outside the scope"
                    f"{skipped}. With 95% confidence, fewer than {shown} of the accounts outside the scope "
                    f"can be reached (the rule of three: 3 in {n:,}). A smaller share cannot be ruled out "
                    "without a larger sample (--sample).")
        return (f"No leak in the {count(len(probed), 'account', 'accounts')} probed. They were not drawn at "
                "random from the whole directory, so this says nothing about the accounts not probed.")

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
        rec.notes.append("No account outside the scope was probed: the accounts the install reaches are "
                         "listed from the Directory instead (a probe of a Marketplace app tests nothing).")
    elif scope is not None:
        outside = [e for e in denied if e.lower() in scope]
        if outside:
            rec.notes.append(f"Not probed as outsiders, being in the scope: {', '.join(outside)}")
        rec.sample = [e.lower() for e in denied if e.lower() not in scope]
        taken = set(rec.sample) | set(linked)
        if listed is not None:
            pool = [e.lower() for e in listed if e.lower() not in scope and e.lower() not in taken]
            drawn = pool if len(pool) <= sample else rng.sample(pool, sample)
            rec.sample += drawn
            rec.notes.append(f"The sample came from your list ({count(len(pool), 'account', 'accounts')} "
                             "outside the scope)")
        else:
            try:
                directory = source.directory(app, ctx.secret, cancel)
            except DirectoryUnreadable as exc:
                directory = None
                rec.unknown["directory"] = _why(exc)
            if directory is None and "directory" not in rec.unknown:
                rec.notes.append("This platform's directory is not listed by the console: give a list of "
                                 "accounts outside the scope to sample from (--sample-from FILE); only the "
                                 "--expect-denied accounts were probed")
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
                    rec.notes.append(f"The sample was drawn from {directory.source}, which answered only "
                                     "part of the directory (a query's answer was capped): it is not a "
                                     "random "
                                     "sample of everyone, so no share is estimated. Give a full list with "
                                     "--sample-from for that.")

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
            rec.unknown["reachable"] = (f"the application itself failed, so no account could be probed: "
                                        f"{_outcome_text(failure)}")
    names = getattr(ctx.adapter, "diagnosis_names", lambda _a: {})(app)

    def tested(email: str) -> ProbeOutcome | None:
        outcome = outcomes.get(email)
        if outcome is None or "reachable" in rec.unknown:
            return None
        if outcome.kind in (ProbeKind.TRANSIENT, ProbeKind.CANCELLED, ProbeKind.UNVERIFIED):
            rec.untested[email] = _outcome_text(outcome) or "the probe could not tell"
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
                                        "outside the scope; the Marketplace install reaches it (it is in "
                                        f"{reach_source})", diagnosis.remediation))
        for email in sorted(set(scope) - set(linked) - revoked):
            rec.findings.append(Finding(email, "joiner", scope[email], None, "in the scope, not linked",
                                        "link it (--apply joiners links every joiner): ec-console profiles "
                                        f"link --application {shlex.quote(app.name)} {email}"))
        for email in sorted(set(linked) - set(scope)):
            profile = linked[email]
            outcome = tested(email)
            reachable = (email in reach) if reach is not None else None if outcome is None else outcome.ok
            still = {True: "; the probe still reaches it", False: "; the probe no longer reaches it"}.get(
                reachable, "")  # type: ignore[arg-type]
            state = "linked" if profile.status == "linked" else "linked (needs relink)"
            step = ctx.adapter.profile_withdrawal_step(app, profile.email)
            rec.findings.append(Finding(profile.email, "leaver", profile.display_name, None,
                                        f"{state}, no longer in the scope{still}",
                                        f"revoke its profile (--apply leavers revokes every leaver). On the "
                                        f"platform, if not done yet: {step}", profile.id, reachable))
        for email in sorted(set(linked) & set(scope)):
            profile = linked[email]
            outcome = tested(email)
            if outcome is not None and not outcome.ok:
                diagnosis = outcome.diagnosis
                rec.findings.append(Finding(profile.email, "broken", profile.display_name,
                                            diagnosis.code if diagnosis else None, _outcome_text(outcome),
                                            diagnosis.remediation if diagnosis else "relink it",
                                            profile.id))
    else:  # the scope is unknown: only a probe that failed outright is reported (it is broken either way)
        for email, profile in sorted(linked.items()):
            outcome = tested(email)
            if outcome is not None and not outcome.ok:
                diagnosis = outcome.diagnosis
                rec.findings.append(Finding(profile.email, "broken", profile.display_name,
                                            diagnosis.code if diagnosis else None, _outcome_text(outcome),
                                            diagnosis.remediation if diagnosis else "relink it", profile.id))
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


def _signed(n: int, one: str, many: str) -> str:
    text = count(abs(n), one, many)
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
        one, many = FINDING_LABELS[name]
        a, b = new.counts[name], old.counts[name]
        parts.append(f"{many} unknown" if a is None or b is None else _signed(a - b, one, many))
    leaks = new.counts["leak"]
    parts.append("leaks unknown" if leaks is None else count(leaks, "leak", "leaks"))
    when = parse_utc(old.at).astimezone()
    return f"{', '.join(parts)} since {when.day} {when:%b}"


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
        raise BadInput(f"Revoking leavers needs the application's name typed as confirmation "
                       f"({rec.application!r}); nothing was revoked")
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


def findings_text(rec: Reconciliation) -> Iterable[str]:
    """The reconciliation as text lines (the CLI prints them): the four findings, leaks first, with counts."""
    yield f"Reconciliation of {rec.application} ({rec.at})"
    if rec.scope_source:
        yield f"  Scope: {rec.scope_source}: {count(rec.scope_size or 0, 'account', 'accounts')}"
    yield f"  Linked: {count(rec.linked_size, 'profile', 'profiles')}"
    for name, why in rec.unknown.items():
        what = {"scope": "the scope", "directory": "the directory (to draw the leak sample)",
                "reachable": "what the application can reach",
                "install": "what the Marketplace install really reaches"}[name]
        yield f"  Cannot tell: {what} could not be read: {why}"
    counts = rec.counts
    for name in FINDINGS:
        one, many = FINDING_LABELS[name]
        found = rec.of(name)
        shown = f"{many.capitalize()}: cannot tell" if counts[name] is None else \
            count(counts[name] or 0, one, many).capitalize()  # type: ignore[arg-type]
        yield ""
        yield shown
        for f in found:
            yield f"  {f.email}{f' ({f.name})' if f.name else ''}: {f.detail}"
            if f.fix:
                first, *rest = f.fix.splitlines()
                yield f"    Fix: {first}"
                yield from (f"      {line}" for line in rest if line.strip())
    yield ""
    yield rec.confidence()
    for email, why in rec.untested.items():
        yield f"  Not told by its probe: {email}: {why}"
    for note in rec.notes:
        yield f"Note: {note}"


__all__ = ["FINDINGS", "Finding", "Reconciliation", "StoredReconciliation", "apply_joiners", "apply_leavers",
           "apply_relink",
           "drift_text", "findings_text", "reconcile", "reconciliations", "record_reconciliation",
           "stored_findings", "validate_sample"]
