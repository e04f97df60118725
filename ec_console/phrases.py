"""Texts that are English where machines read them and in the current language where people do (Qt-free).

A `Phrase` is a `str` whose value is the English sentence — what `--json`, the registry, the audit and logs
keep, so they never depend on the language — and which remembers its template (marked with `N_()` where it
is written) and values, so `shown(text)` gives it in the current language. Any other string is shown as it
is translated as `texts.localized` translates a stored step text (by the catalog template it was made from,
else as it is). Used for the monitor's problems and notes (`monitor status`, `monitor run`, the status bar).
A `Phrase` is a `texts.Said` (the same idea: English kept, template remembered) whose float values show one
decimal in the language's form.
"""

from __future__ import annotations

from typing import Any

from ec_console.i18n import SOURCE_LANGUAGE, _, current_language
from ec_console.texts import Said, localized


class Phrase(Said):
    """`Phrase(N_("the job runs every {every}"), every="6h")`: "the job runs every 6h" as a `str`."""

    __slots__ = ()

    def __new__(cls, template: str, /, **values: Any) -> Phrase:
        text = template.format(**{key: _english(value) for key, value in values.items()})
        return super().__new__(cls, text, template, None, values)

    def shown(self) -> str:
        """The phrase in the current language (values that are phrases too are shown in it as well)."""
        return _(self.template).format(**{key: _shown_value(value) for key, value in self.values.items()})

    def __reduce__(self) -> tuple[Any, ...]:   # copies and pickles keep the template
        return (_rebuild, (self.template, self.values))


def _rebuild(template: str, values: dict[str, Any]) -> Phrase:
    return Phrase(template, **values)


def _english(value: Any) -> Any:
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value) if isinstance(value, Phrase) else value


def _shown_value(value: Any) -> Any:
    if isinstance(value, Phrase):
        return value.shown()
    if isinstance(value, float):   # one decimal, as in English ("2.0"), in the language's form ("2,0")
        if current_language() == SOURCE_LANGUAGE:
            return f"{value:.1f}"
        from babel.numbers import format_decimal

        return format_decimal(value, format="#,##0.0", locale=current_language())
    return value


def joined(parts: list[Any], separator: str = "; ") -> Phrase:
    """`parts` joined by `separator`: English as a string, each part shown in the current language."""
    escaped = separator.replace("{", "{{").replace("}", "}}")
    template = escaped.join("{p" + str(i) + "}" for i in range(len(parts)))
    return Phrase(template, **{f"p{i}": part for i, part in enumerate(parts)})


def shown(text: Any) -> str:
    """`text` for a person: a phrase in the current language; any other text (one read back from the
    registry) from the catalog template it was made from, else as it is."""
    return text.shown() if isinstance(text, Phrase) else localized(str(text))


__all__ = ["Phrase", "joined", "shown"]
