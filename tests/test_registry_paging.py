"""Pages of a query (`profile_page`, read from either end of the sort index) and a profile's position in
it (`profile_position`) agree with the order worked out here from the data, NULL check times included."""

from __future__ import annotations

import pytest

from ec_console.registry import ProfileQuery, search_key

COUNT = 530


@pytest.fixture
def seeded(any_registry):
    rows = []
    for n in range(COUNT):
        checked = None if n % 3 == 0 else f"2026-11-{1 + n % 28:02d}T10:00:00Z"  # many ties and NULLs
        rows.append((f"user{(n * 37) % COUNT:04d}@contoso.com", f"Person {n % 50:02d}", checked))
    registry = any_registry  # each engine: SQLite, PostgreSQL
    app = registry.add_application("Room booking", "exchange", "contoso.com")
    registry.bulk_load_profiles((app.id, email, name, "linked", checked, checked and "pass", None)
                                for email, name, checked in rows)
    return registry, rows


def expected(rows, sort: str, descending: bool, needle: str = "") -> list[str]:
    def key(n: int):
        email, name, checked = rows[n]
        if sort == "display_name":
            return (search_key(name), search_key(email), "linked", n)
        # SQLite sorts NULL first; ties by email, then status, then id (insertion order here)
        return (checked is not None, checked or "", search_key(email), "linked", n)
    ids = [n for n in range(len(rows)) if search_key(needle) in search_key(rows[n][0])
           or search_key(needle) in search_key(rows[n][1])]
    return [rows[n][0] for n in sorted(ids, key=key, reverse=descending)]


@pytest.mark.parametrize("sort", ["display_name", "last_checked_at"])
@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("needle", ["", "son 1"])
def test_pages_and_positions_follow_the_order(seeded, sort, descending, needle):
    registry, rows = seeded
    query = ProfileQuery(sort=sort, descending=descending, search=needle)
    want = expected(rows, sort, descending, needle)
    total = registry.count_profiles(query)
    assert total == len(want)
    pages = []
    for offset in range(0, total, 100):  # pages past the middle are read from the other end
        pages += [p.email for p in registry.profile_page(query, offset, 100, total=total)]
    assert pages == want
    assert [p.email for p in registry.profile_page(query, 37, 50)] == want[37:87]  # without the total
    for row in (0, 1, total // 2, total - 1):
        profile = registry.find_profile(1, want[row])
        assert registry.profile_position(query, profile.id) == row
    assert registry.profile_position(query, 10_000) is None


def test_a_profile_outside_the_query_has_no_position(seeded):
    registry, _rows = seeded
    outside = registry.profile_page(ProfileQuery(search="Person 02"), 0, 1)[0]
    assert registry.profile_position(ProfileQuery(search="Person 01"), outside.id) is None
