"""A fictional organisation's registry content, for screenshots, the self-test and benchmarks.

Deterministic (seeded) so screenshots are stable. Never used on a real user's data: callers point
`EC_CONSOLE_HOME` at a temporary folder first.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from ec_console.registry import Registry

_FIRST = ("Ada", "Ben", "Chloé", "Dmitri", "Elif", "Farah", "Gustav", "Hana", "Ivan", "Jonas", "Kemi",
          "Lars", "Mina", "Noah", "Olga", "Priya", "Quentin", "Rosa", "Sven", "Tariq", "Uma", "Viktor",
          "Wen", "Yusuf", "Zoë")
_LAST = ("Andersen", "Becker", "Costa", "Dubois", "Eriksen", "Fischer", "García", "Hoffmann", "Ito",
         "Jensen", "Kowalski", "Lindqvist", "Müller", "Nakamura", "Okafor", "Petrov", "Rossi", "Schmidt",
         "Tanaka", "Vogel", "Weber", "Yilmaz", "Zimmermann")
_DIAGNOSES = ("impersonation_denied", "mailbox_not_found", "folder_access_denied", "user_suspended",
              "calendar_not_enabled")

APPLICATIONS: dict[str, tuple[tuple[str, str, str], ...]] = {
    "us": (
        ("Room booking (Contoso)", "exchange", "contoso.com"),
        ("Scheduling assistant", "google", "fabrikam.example"),
        ("Legacy CRM sync", "exchange", "contoso.com"),
    ),
    "de": (
        ("Terminplanung Nord", "exchange", "beispiel-gmbh.de"),
        ("Workspace Kalender", "google", "beispiel-gmbh.de"),
    ),
}


def seed_sample_data(registry: Registry, region_id: str = "us", *, profiles: int = 300,
                     seed: int = 7, checks: bool = True) -> None:
    """Add the sample applications and `profiles` calendar profiles spread over them."""
    rng = random.Random(seed)
    apps = [registry.add_application(name, provider, domain, {"sample": True})
            for name, provider, domain in APPLICATIONS.get(region_id, APPLICATIONS["us"])]
    weights = [6, 3, 1][: len(apps)]
    per_app: dict[int, list[tuple[str, str]]] = {app.id: [] for app in apps}
    domains = {app.id: app.domain for app in apps}
    for n in range(profiles):
        app = rng.choices(apps, weights=weights)[0]
        first, last = rng.choice(_FIRST), rng.choice(_LAST)
        local = f"{first}.{last}.{n}".lower().translate(str.maketrans("éëöüäí", "eeouai"))
        per_app[app.id].append((f"{local}@{domains[app.id]}", f"{first} {last}"))
    for app in apps:
        registry.add_profiles(app.id, per_app[app.id])
    if checks:
        _record_checks(registry, rng)
    if len(apps) > 2:  # the third sample application was revoked, with all its profiles
        registry.update_application(apps[-1].id, status="revoked")
        registry.set_application_profiles_status(apps[-1].id, "revoked")


def _record_checks(registry: Registry, rng: random.Random) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    ids = registry.profile_ids()
    with registry.transaction():
        for profile in registry.profiles_by_ids(ids):
            if rng.random() < 0.08:
                continue
            when = (now - timedelta(minutes=rng.randint(5, 60 * 24 * 6))).strftime("%Y-%m-%dT%H:%M:%SZ")
            roll = rng.random()
            if roll < 0.07:
                registry.record_profile_check(profile.id, result="fail", diagnosis=rng.choice(_DIAGNOSES),
                                              status="needs_relink", checked_at=when)
            elif roll < 0.12:
                registry.record_profile_check(profile.id, result="warn", checked_at=when)
            else:
                registry.record_profile_check(profile.id, result="pass", checked_at=when)
