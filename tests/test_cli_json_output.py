"""`--json` output is written in one piece (a system call per token otherwise when stdout is unbuffered)."""

from __future__ import annotations

import io
import json

import pytest

from ec_console.commands.profiles import print_json


class _CountingStdout(io.StringIO):
    def __init__(self) -> None:
        super().__init__()
        self.writes = 0

    def write(self, text: str) -> int:
        self.writes += 1
        return super().write(text)


def test_json_output_is_one_write_of_the_same_text(monkeypatch: pytest.MonkeyPatch):
    value = {"results": [{"email": f"user{i}@example.org", "status": "linked", "code": None,
                          "message": "Zoë's calendar answered"} for i in range(50)], "counts": {"linked": 50}}
    out = _CountingStdout()
    monkeypatch.setattr("sys.stdout", out)
    print_json(value)
    expected = io.StringIO()
    json.dump(value, expected, ensure_ascii=False, indent=2)
    assert out.getvalue() == expected.getvalue() + "\n"
    assert out.writes == 1
    assert json.loads(out.getvalue()) == value
