"""English texts that are stored or written to `--json`, shown in the reader's language (Qt-free).

A run's messages (check all's per-account messages, why an application was not checked, a reconciliation's
findings and notes) are kept in English: the registry and `--json` never depend on the language
(docs/i18n.md). Where a person reads one, `shown(text, templates)` gives it in the current language: the
English template it was made from (an `N_()`-marked text with `{name}` placeholders) is found by matching
the whole text, and the values it caught (addresses, application names, codes, counts) are put into the
translated template. A value named in `nested` is itself shown from its own templates. A text no template
matches (a provider's own detail, a server's message) is returned as it is: nothing is guessed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from functools import lru_cache

from ec_console.i18n import SOURCE_LANGUAGE, _, current_language

Nested = Mapping[str, "Iterable[str] | Callable[[str], str]"]

_FIELD = re.compile(r"\{([a-z_]+)\}")


@lru_cache(maxsize=512)
def _pattern(template: str) -> re.Pattern[str]:
    out, position, seen = [], 0, set()
    for match in _FIELD.finditer(template):
        out.append(re.escape(template[position:match.start()]))
        name = match.group(1)
        out.append(f"(?P={name})" if name in seen else f"(?P<{name}>.*?)")
        seen.add(name)
        position = match.end()
    out.append(re.escape(template[position:]))
    return re.compile("".join(out), re.S)


def match(text: str, templates: Iterable[str]) -> tuple[str, dict[str, str]] | None:
    """The first template `text` was made from, with the values it caught; None when none fits."""
    for template in templates:
        found = _pattern(template).fullmatch(text)
        if found is not None:
            return template, found.groupdict()
    return None


def shown(text: str, templates: Iterable[str], nested: Nested | None = None) -> str:
    """`text` (English, made from one of `templates`) in the current language; as it is when no template
    fits or the language is English. `nested` names values shown from their own templates, or through a
    function (`counted`)."""
    if not text or current_language() == SOURCE_LANGUAGE:
        return text
    found = match(text, templates)
    if found is None:
        return text
    template, values = found
    for name, inner in (nested or {}).items():
        if name in values:
            values[name] = inner(values[name]) if callable(inner) else shown(values[name], inner)
    return _(template).format(**values)


_COUNTED = re.compile(r"(\d[\d,]*) (.+)", re.S)


def counted(one: str, many: str) -> Callable[[str], str]:
    """For `nested`: a value made by `words.count(n, one, many)` in English ("1,204 profiles"), counted
    again in the current language ("1.204 Profile"); any other value as it is."""
    from ec_console.words import count

    def again(value: str) -> str:
        found = _COUNTED.fullmatch(value)
        if found is None or found.group(2) not in (one, many):
            return value
        return count(int(found.group(1).replace(",", "")), one, many)

    return again


def english_count(n: int, one: str, many: str) -> str:
    """`words.count` in English whatever the language: for a text kept in English (--json, the registry)."""
    return f"{n:,} {one if n == 1 else many}"


__all__ = ["counted", "english_count", "match", "shown"]
