"""Regions: the Enterprise Connect instances (the six data centres `us`, `de`, `uk`, `ca`, `au`, `sg`, and
any a user config adds).

The shipped list is `resources/regions.toml`; `<config>/regions.toml` may override fields of a shipped
region or add new ones. The region chosen last is remembered in `<config>/settings.json`.
"""

from __future__ import annotations

import json
import logging
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from ec_console import paths
from ec_console.errors import BadInput
from ec_console.i18n import N_, _
from ec_console.resources import resource_path
from ec_console.validation import is_loopback_host

log = logging.getLogger(__name__)

_ID_RE = re.compile(r"[a-z][a-z0-9-]{0,31}")
USER_FILE = "regions.toml"
SETTINGS_FILE = "settings.json"

# The shipped regions' names, marked for translation: `regions.toml` keeps them in English (as do `--json`,
# reports' data and the settings file); a window or a message shows `Region.display_name`. A name a user's
# regions.toml gives is shown as written.
SHIPPED_NAMES = frozenset({
    N_("United States"), N_("Germany"), N_("United Kingdom"), N_("Canada"), N_("Australia"), N_("Singapore"),
})


@dataclass(frozen=True)
class MarketplaceListing:
    listing_url: str = ""
    client_id: str = ""
    scopes: tuple[str, ...] = ()

    @property
    def configured(self) -> bool:
        return bool(self.listing_url and self.client_id and self.scopes)


@dataclass(frozen=True)
class Region:
    id: str
    name: str
    dashboard_url: str
    api_base_url: str
    google_marketplace: MarketplaceListing = field(default_factory=MarketplaceListing)
    # A PostgreSQL registry shared by a team (`registry = "postgresql://..."` in the user's regions.toml);
    # "" = the region's SQLite file on this computer.
    registry: str = ""

    @property
    def label(self) -> str:
        """The name with the id, in English whatever the language: "United Kingdom (UK)" (files, JSON)."""
        return f"{self.name} ({self.id.upper()})"

    @property
    def display_name(self) -> str:
        """The name as a person reads it, in the current language: "Vereinigtes Königreich"."""
        return _(self.name) if self.name in SHIPPED_NAMES else self.name

    @property
    def display_label(self) -> str:
        """The name with the id, in the current language: "Vereinigtes Königreich (UK)" (the selector)."""
        return f"{self.display_name} ({self.id.upper()})"


class RegionConfigError(BadInput):
    """A regions file is malformed; the message names the file and the field."""


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _load_toml(path: Path) -> dict[str, Any]:
    """The file's top-level table, its shape checked; RegionConfigError names the file and the field."""
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise RegionConfigError(_("{path} is not valid TOML: {reason}").format(path=path, reason=exc)) \
            from None
    except UnicodeDecodeError:
        raise RegionConfigError(_("{path} is not valid TOML: it is not UTF-8 text").format(path=path)) \
            from None
    except RecursionError:
        raise RegionConfigError(_("{path} is not valid TOML: its arrays or tables are nested too deeply")
                                .format(path=path)) from None
    except OSError as exc:
        raise RegionConfigError(_("{path} cannot be read: {reason}")
                                .format(path=path, reason=exc.strerror or exc)) from None
    _check_shape(data, path)
    return data


def _toml_kind(value: Any) -> str:
    """The TOML name of a parsed value's type, for a message."""
    if isinstance(value, dict):
        return _("a table")
    if isinstance(value, list):
        return _("an array of tables ([[...]])") if value and isinstance(value[0], dict) else _("an array")
    if isinstance(value, bool):
        return _("a boolean")
    if isinstance(value, (int, float)):
        return _("a number")
    if isinstance(value, str):
        return _("a string")
    return _("a date or time")


def _check_shape(data: dict[str, Any], path: Path) -> None:
    """`regions` is a table of tables keyed by id, `default` a string: checked per file, before merging."""
    regions = data.get("regions", {})
    if not isinstance(regions, dict):
        raise RegionConfigError(
            _("{path}: 'regions' must be a table of [regions.<id>] sections, not {kind}")
            .format(path=path, kind=_toml_kind(regions)))
    if "default" in data and not isinstance(data["default"], str):
        raise RegionConfigError(
            _("{path}: 'default' must be a region id in quotes (like default = \"us\"), not {kind}")
            .format(path=path, kind=_toml_kind(data["default"])))


def _shown(value: str) -> str:
    """A value from the file, quoted and shortened, on one line."""
    return repr(value if len(value) <= 60 else value[:57] + "...")


def _https_url(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value:
        raise RegionConfigError(_("{where} must be a URL").format(where=where))
    try:
        parsed = urlparse(value)
        hostname = parsed.hostname
        parsed.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError as exc:  # an unclosed IPv6 bracket, a port that is not a number or out of range
        raise RegionConfigError(_("{where} is not a valid URL ({reason}): {value}")
                                .format(where=where, reason=exc, value=_shown(value))) from None
    loopback = bool(hostname) and is_loopback_host(hostname)
    if parsed.scheme != "https" and not (parsed.scheme == "http" and loopback):
        raise RegionConfigError(_("{where} must be an https URL, not {value}")
                                .format(where=where, value=_shown(value)))
    if not hostname:
        raise RegionConfigError(_("{where} has no host: {value}").format(where=where, value=_shown(value)))
    return value.rstrip("/")


def _registry_url(value: Any, where: str) -> str:
    """A region's PostgreSQL registry URL ("" when none): postgresql://..., never with a password."""
    if value in ("", None):
        return ""
    if not isinstance(value, str) or not value.strip().lower().startswith(("postgresql://", "postgres://")):
        raise RegionConfigError(_("{where} must be a PostgreSQL URL in quotes, like "
                                  "registry = \"postgresql://db.example.com/ec_registry\"").format(where=where))
    if re.search(r"://[^/@]*:[^/@]*@", value) or re.search(r"[?&]password=", value, re.I):
        raise RegionConfigError(_("{where} holds a password: leave it out (the console takes it from the "
                                  "keychain, 'ec-console registry login', or from libpq's password file)")
                                .format(where=where))
    return value.strip()


def _build_region(region_id: str, raw: Any, source: str) -> Region:
    if not _ID_RE.fullmatch(region_id):
        raise RegionConfigError(
            _("{source}: [regions.{id}]: a region id is a lower-case letter, then lower-case letters, digits "
              "and '-' (at most 32)").format(source=source, id=_shown(region_id)))
    where = f"{source}: [regions.{region_id}]"
    if not isinstance(raw, dict):
        raise RegionConfigError(_("{where} must be a table").format(where=where))
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        raise RegionConfigError(_("{where} is missing").format(where=f"{where}.name"))
    market = raw.get("google_marketplace", {}) or {}
    if not isinstance(market, dict):
        raise RegionConfigError(_("{where} must be a table").format(where=f"{where}.google_marketplace"))
    scopes = market.get("scopes", []) or []
    if not isinstance(scopes, list) or not all(isinstance(s, str) for s in scopes):
        raise RegionConfigError(_("{where} must be a list of strings")
                                .format(where=f"{where}.google_marketplace.scopes"))
    listing = market.get("listing_url", "") or ""
    client_id = market.get("client_id", "") or ""
    if not isinstance(client_id, str):
        raise RegionConfigError(_("{where} must be a string")
                                .format(where=f"{where}.google_marketplace.client_id"))
    return Region(
        id=region_id,
        registry=_registry_url(raw.get("registry", ""), f"{where}.registry"),
        name=name.strip(),
        dashboard_url=_https_url(raw.get("dashboard_url"), f"{where}.dashboard_url"),
        api_base_url=_https_url(raw.get("api_base_url"), f"{where}.api_base_url"),
        google_marketplace=MarketplaceListing(
            listing_url=_https_url(listing, f"{where}.google_marketplace.listing_url") if listing else "",
            client_id=client_id.strip(),
            scopes=tuple(scopes),
        ),
    )


@dataclass(frozen=True)
class RegionCatalog:
    regions: dict[str, Region]
    default_id: str

    def get(self, region_id: str) -> Region:
        try:
            return self.regions[region_id]
        except KeyError:
            raise BadInput(_("Unknown region {id}; configured regions: {regions}")
                           .format(id=repr(region_id), regions=self.described())) from None

    def ids(self) -> list[str]:
        return list(self.regions)

    def described(self, *, shown: bool = True) -> str:
        """The regions in the order they are offered, each id with its name: `us (United States), de ...`
        (the names in the current language; `shown=False`: as configured, for the log)."""
        return ", ".join(f"{region.id} ({region.display_name if shown else region.name})"
                         for region in self.regions.values())


def load_regions(user_file: Path | None = None) -> RegionCatalog:
    """The shipped regions merged with the user's `<config>/regions.toml`, validated."""
    shipped_path = resource_path("regions.toml")
    data = _load_toml(shipped_path)
    sources = {rid: str(shipped_path) for rid in data.get("regions", {})}
    user_path = user_file if user_file is not None else paths.config_dir() / USER_FILE
    user: dict[str, Any] = {}
    if user_path.is_file():
        user = _load_toml(user_path)
        for rid in user.get("regions", {}):
            sources[rid] = str(user_path)
        data = _merge(data, user)
    raw_regions = data.get("regions", {})
    if not isinstance(raw_regions, dict) or not raw_regions:
        raise RegionConfigError(_("{path} defines no regions").format(path=shipped_path))
    regions = {rid: _build_region(rid, raw, sources[rid]) for rid, raw in raw_regions.items()}
    default_id = data.get("default", next(iter(regions)))
    if default_id not in regions:
        known = ", ".join(sorted(regions))
        where = user_path if "default" in user else shipped_path
        raise RegionConfigError(
            _("{where}: default {value} is not a configured region (configured: {known})")
            .format(where=where, value=_shown(default_id), known=known))
    return RegionCatalog(regions=regions, default_id=default_id)


def _settings_path() -> Path:
    return paths.config_dir() / SETTINGS_FILE


def load_settings() -> dict[str, Any]:
    path = _settings_path()
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def save_setting(key: str, value: Any) -> None:
    settings = load_settings()
    settings[key] = value
    paths.write_private_file(_settings_path(), json.dumps(settings, indent=2, sort_keys=True).encode())


def current_region_id(catalog: RegionCatalog) -> str:
    """The region chosen last (if still configured), else the catalog's default.

    A settings file from any earlier version keeps its region (the key and the ids have not changed). A
    remembered region that is no longer configured (a user file that added it was removed) opens the default
    and says so in the log."""
    chosen = load_settings().get("region")
    if chosen is None:
        return catalog.default_id
    if isinstance(chosen, str) and chosen in catalog.regions:
        return chosen
    log.warning("The region used last (%s) is no longer configured; opening the default region %s instead "
                "(configured regions: %s)", _shown(str(chosen)), catalog.default_id,
                catalog.described(shown=False))
    return catalog.default_id


def remember_region(region_id: str) -> None:
    save_setting("region", region_id)
