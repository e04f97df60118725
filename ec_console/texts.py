"""Texts a provider writes into a report (step titles and details) that are stored in English and shown in
the reader's language.

A check's report is stored in the registry and written by `--json` in English, the language-neutral form
(docs/i18n.md). A person reads it later, in the CLI, an exported report or a window, in their own language:

- `say(template, **values)` builds a step's text: an ordinary `str` (the English, as the report stores it)
  that remembers its template and values, so `localized()` can give it in the current language at once.
- `say_n(singular, plural, n, **values)` is the same with a number that chooses the form; the number is the
  placeholder `{n}` in both templates.
- `localized(text)` is a text in the current language: a `say()` text from its template; any other text (a
  report read back from the registry or a JSON file, which has only the English) by its catalog entry, or by
  finding the template it was built from among the catalog's templates and translating the values it
  caught that are texts themselves. A text with no translation is shown as it is, never guessed.

Templates use named placeholders (`{host}`, `{n}`); values are hosts, addresses, counts, or `say()` texts
themselves (translated too). Extraction: the keywords `say` and `say_n:1,2` (ec_console/i18n_build.py).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from ec_console.i18n import SOURCE_LANGUAGE, _, catalog_path, current_language, format_number, ngettext

_PLACEHOLDER = re.compile(r"\{(\w+)\}")
# A template must have this many letters outside its placeholders to be matched against stored English
# (so "{detail}: {error}" never swallows an unrelated sentence).
_MIN_LITERAL_LETTERS = 6
# How deep a caught value is translated in turn (a text inside a text inside a text).
_MAX_DEPTH = 3


class Said(str):
    """The English text of a template with its values; it remembers both (see `localized`)."""

    __slots__ = ("template", "plural", "values")
    template: str
    plural: str | None
    values: dict[str, Any]

    def __new__(cls, english: str, template: str, plural: str | None, values: dict[str, Any]) -> Said:
        text = super().__new__(cls, english)
        text.template, text.plural, text.values = template, plural, values
        return text

    def __reduce__(self) -> tuple[Any, ...]:  # pickles and copies as the plain English it is
        return (str, (str(self),))


def _english(value: Any) -> str:
    return str(value)


def say(template: str, /, **values: Any) -> Said:
    """`template` with `values` put in: the English now, the current language through `localized`."""
    english = template.format(**{k: _english(v) for k, v in values.items()})
    return Said(english, template, None, values)


def say_n(singular: str, plural: str, n: int, /, **values: Any) -> Said:
    """`singular` or `plural` (English: 1 or not) with `{n}` and `values` put in."""
    values = {**values, "n": n}
    template = singular if n == 1 else plural
    english = template.format(**{k: _english(v) for k, v in values.items()})
    return Said(english, singular, plural, values)


def localized(text: str) -> str:
    """`text` in the current language (unchanged in English, or when no translation is known)."""
    if current_language() == SOURCE_LANGUAGE or not text:
        return str(text)
    return _localized(text, 0)


def _localized(text: str, depth: int) -> str:
    if isinstance(text, Said):
        if text.plural is not None:
            template = ngettext(text.template, text.plural, int(text.values["n"]))
        else:
            template = _(text.template)
        shown = {k: _localized(v, depth + 1) if isinstance(v, Said)
                 else format_number(v) if k == "n" and text.plural is not None
                 else str(v)
                 for k, v in text.values.items()}
        return template.format(**shown)
    if depth >= _MAX_DEPTH:
        return text
    translated = _(text)
    if translated != text:
        return translated
    return _from_template(text, depth)


def _from_template(text: str, depth: int) -> str:
    language = current_language()
    try:
        stamp = catalog_path(language).stat().st_mtime_ns
    except OSError:
        return text
    return _matched(text, depth, language, stamp)


# A list of thousands of results repeats the same few texts: each is matched once per language and catalog.
@lru_cache(maxsize=8192)
def _matched(text: str, depth: int, language: str, stamp: int) -> str:
    for pattern, names, singular, plural in _templates(language, stamp):
        match = pattern.fullmatch(text)
        if match is None:
            continue
        caught = {name: match.group(f"v{i}") for i, name in enumerate(names)}
        if plural is not None:
            try:
                n = int(re.sub(r"[^\d]", "", caught["n"]))
            except (KeyError, ValueError):
                continue
            template = ngettext(singular, plural, n)
        else:
            template = _(singular)
        shown = {}
        for name, value in caught.items():
            if name == "n" and plural is not None:
                shown[name] = format_number(n)
            elif " " in value.strip():  # words: perhaps a text of its own ("impersonating it")
                shown[name] = _localized(value, depth + 1)
            else:
                shown[name] = value
        try:
            return template.format(**shown)
        except (KeyError, IndexError, ValueError):  # a translation that does not keep the placeholders
            return text
    return text


_Template = tuple[re.Pattern[str], tuple[str, ...], str, str | None]


@lru_cache(maxsize=4)
def _templates(language: str, _stamp: int) -> tuple[_Template, ...]:
    """Every catalog template with placeholders, as a pattern matching its English, most specific first (most
    letters of its own, then most characters of its own)."""
    from babel.messages.mofile import read_mo

    try:
        with catalog_path(language).open("rb") as handle:
            catalog = read_mo(handle)
    except OSError:
        return ()
    found = []
    for message in catalog:
        if not message.id or not message.string:
            continue
        forms = tuple(message.id) if isinstance(message.id, tuple | list) else (message.id,)
        singular, plural = forms[0], (forms[1] if len(forms) > 1 else None)
        for english in forms:
            if "{" not in english:
                continue
            compiled = _pattern(english)
            if compiled is None:
                continue
            pattern, names, letters = compiled
            if letters < _MIN_LITERAL_LETTERS:
                continue
            # as specific: the one with more text of its own ("Exchange answered {code}: {message}" before
            # "Exchange answered {code}", which would swallow the message into its code)
            literal = len(_PLACEHOLDER.sub("", english))
            found.append(((letters, literal), pattern, names, singular, plural))
    found.sort(key=lambda item: (-item[0][0], -item[0][1]))
    return tuple((pattern, names, singular, plural) for _rank, pattern, names, singular, plural in found)


def _pattern(template: str) -> tuple[re.Pattern[str], tuple[str, ...], int] | None:
    parts: list[str] = []
    names: list[str] = []
    position = 0
    letters = 0
    for match in _PLACEHOLDER.finditer(template):
        literal = template[position:match.start()]
        if "{" in literal or "}" in literal:  # a format spec or escaped brace: not a step template
            return None
        letters += sum(c.isalpha() for c in literal)
        parts.append(re.escape(literal))
        name = match.group(1)
        if name in names:  # the same value twice: it must be the same text
            parts.append(f"(?P=v{names.index(name)})")
        else:
            parts.append(f"(?P<v{len(names)}>.+?)")
            names.append(name)
        position = match.end()
    tail = template[position:]
    if "{" in tail or "}" in tail:
        return None
    letters += sum(c.isalpha() for c in tail)
    parts.append(re.escape(tail))
    return re.compile("".join(parts), re.S), tuple(names), letters

