from ec_console.words import count


def test_count_uses_the_singular_only_for_exactly_one():
    assert count(1, "entry", "entries") == "1 entry"
    assert count(0, "entry", "entries") == "0 entries"
    assert count(3, "account", "accounts") == "3 accounts"
    assert count(12345, "profile", "profiles") == "12,345 profiles"
