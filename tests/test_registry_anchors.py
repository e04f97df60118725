"""Pages read from anchors (`Registry.profile_anchors`, `profile_page(anchors=...)`: a seek in the sort index
to a sampled row's key, then a short step) are the pages an OFFSET read gives, for every sort column in both
directions, with filters, with ties in the sort key, NULL check times, and after writes."""

from __future__ import annotations

import itertools

import pytest

from ec_console.registry import (
    PROFILE_SORT_COLUMNS,
    ProfileAnchors,
    ProfileQuery,
    Registry,
    RegistryInputError,
)

EVERY = 7  # small: many anchors and group boundaries in a few hundred rows


@pytest.fixture
def registry(any_registry):
    """Each engine (SQLite, PostgreSQL) with the same rows."""
    registry = any_registry
    # Application names whose case-insensitive order differs from their ids' and their providers'.
    apps = [registry.add_application(name, provider, domain) for name, provider, domain in (
        ("beta", "google", "b.example"), ("Alpha", "exchange", "a.example"),
        ("gamma", "exchange", "c.example"), ("Delta", "graph", "d.example"))]
    rows = []
    for n in range(260):
        app = apps[n % 3] if n % 11 else apps[3]
        # The same mailbox through several applications (ties in the email key), few names (ties in
        # the name), a third never checked (NULL time and result), many equal check times.
        email = f"user{n % 90:03d}@shared.example"
        checked = None if n % 3 == 0 else f"2026-11-{1 + n % 5:02d}T10:00:00Z"
        result = None if checked is None else ("pass", "warn", "fail")[n % 3]
        status = ("linked", "needs_relink", "revoked")[n % 4 % 3]
        rows.append((app.id, email, f"Person {n % 6}", status, checked, result, None))
    # (application, email) is unique: keep the first of each pair.
    seen: set[tuple[int, str]] = set()
    unique = [r for r in rows if (r[0], r[1]) not in seen and not seen.add((r[0], r[1]))]
    registry.bulk_load_profiles(unique)
    return registry


def offset_pages(registry: Registry, query: ProfileQuery, total: int, size: int) -> list[int]:
    return [p.id for offset in range(0, total, size) for p in registry.profile_page(query, offset, size)]


def anchored_pages(registry: Registry, query: ProfileQuery, anchors: ProfileAnchors, total: int,
                   size: int) -> list[int]:
    return [p.id for offset in range(0, total, size)
            for p in registry.profile_page(query, offset, size, anchors=anchors)]


def keyset_reads(registry: Registry, monkeypatch) -> list[str]:
    """The SQL the registry runs from now on (which reads a page made), on either engine."""
    statements: list[str] = []
    conn = registry._conn  # noqa: SLF001
    if registry.engine == "sqlite":
        conn.set_trace_callback(statements.append)
        return statements
    run = conn.execute

    def recorded(sql, *args):
        statements.append(sql)
        return run(sql, *args)

    monkeypatch.setattr(conn, "execute", recorded)
    return statements


# Needles of one or two characters: longer ones go through the trigram index, and a small registry then
# sorts its few candidates instead of walking the sort index (no anchors needed).
QUERIES = [ProfileQuery(sort=sort, descending=descending, **extra)
           for sort, descending, extra in itertools.product(
               PROFILE_SORT_COLUMNS, (False, True),
               ({}, {"search": "r0"}, {"status": "linked"}, {"application_id": 2},
                {"search": "2", "status": "linked"}))]


@pytest.mark.parametrize("query", QUERIES, ids=lambda q: f"{q.sort}-{'desc' if q.descending else 'asc'}-"
                         f"{q.search or '_'}-{q.status or '_'}-{q.application_id or '_'}")
def test_pages_read_from_anchors_are_the_offset_pages(registry, query, monkeypatch):
    total = registry.count_profiles(query)
    want = [p.id for p in registry.list_profiles(query)]
    assert len(want) == total and total > 2 * EVERY
    anchors = registry.profile_anchors(query, every=EVERY)
    assert len(anchors.keys) == (total - 1) // EVERY  # rows EVERY, 2 * EVERY, ... before the last
    assert offset_pages(registry, query, total, 10) == want
    statements = keyset_reads(registry, monkeypatch)
    for size in (1, 5, 10, EVERY * 3 + 2):  # pages that start and end anywhere between anchors
        assert anchored_pages(registry, query, anchors, total, size) == want, size
    assert any(" >= (" in s or " <= (" in s for s in statements)  # the anchors were used
    # A page past the end, a page of nothing, and a total given (the nearer end may be used instead).
    assert registry.profile_page(query, total + 3, 10, anchors=anchors) == []
    assert registry.profile_page(query, total // 2, 0, anchors=anchors) == []
    middle = total // 2
    assert [p.id for p in registry.profile_page(query, middle, 9, total=total, anchors=anchors)] == \
        want[middle:middle + 9]


def test_anchors_of_another_query_are_ignored(registry):
    by_name = ProfileQuery(sort="display_name")
    by_email = ProfileQuery(sort="email")
    anchors = registry.profile_anchors(by_name, every=EVERY)
    want = [p.id for p in registry.list_profiles(by_email)]
    total = len(want)
    assert anchored_pages(registry, by_email, anchors, total, 10) == want


@pytest.mark.parametrize("sort", ["email", "application", "last_checked_at"])
def test_anchors_sampled_again_after_writes_give_the_offset_pages(registry, sort):
    query = ProfileQuery(sort=sort)
    registry.profile_anchors(query, every=EVERY)
    # Rows added before and after the anchors' rows, others removed, a check time set, an application
    # (and so an anchor's group) deleted with its profiles.
    app = registry.add_application("Epsilon", "google", "e.example")
    registry.add_profiles(app.id, [(f"aaa{n}@e.example", "") for n in range(20)])
    registry.add_profiles(1, [(f"zzz{n}@b.example", "") for n in range(5)])
    for profile in registry.list_profiles(ProfileQuery(sort="email"), limit=30, offset=40):
        registry.record_profile_check(profile.id, result="pass", checked_at="2026-11-30T00:00:00Z")
    registry.update_application(4, status="revoked")
    registry.delete_application(4)
    want = [p.id for p in registry.list_profiles(query)]
    anchors = registry.profile_anchors(query, every=EVERY)
    assert anchored_pages(registry, query, anchors, len(want), 10) == want


def test_stale_anchors_of_a_deleted_application_fall_back_to_offset_reads(registry):
    query = ProfileQuery(sort="application")
    anchors = registry.profile_anchors(query, every=EVERY)
    registry.update_application(4, status="revoked")
    registry.delete_application(4)  # "Delta": its anchors' group is gone
    want = [p.id for p in registry.list_profiles(query)]
    assert anchored_pages(registry, query, anchors, len(want), 10) == want


def test_anchors_of_an_empty_or_small_query(registry):
    assert registry.profile_anchors(ProfileQuery(search="nobody")).keys == ()
    small = registry.profile_anchors(ProfileQuery(), every=10_000)
    assert small.keys == ()
    assert [p.id for p in registry.profile_page(ProfileQuery(), 3, 4, anchors=small)] == \
        [p.id for p in registry.list_profiles(ProfileQuery(), limit=4, offset=3)]


@pytest.mark.parametrize("every", [0, -3, 1.5, True])
def test_anchor_spacing_must_be_a_positive_integer(registry, every):
    with pytest.raises(RegistryInputError, match="positive integer"):
        registry.profile_anchors(ProfileQuery(), every=every)
