import json
import logging

import pytest

from ec_console import paths, regions
from ec_console.errors import BadInput

# PLATFORM_NOTES.md "The Enterprise Connect service's instances", written out (not read from the shipped
# file).
SIX = {
    "us": ("United States (US)", "https://app.cronofy.com", "https://api.cronofy.com"),
    "de": ("Germany (DE)", "https://app-de.cronofy.com", "https://api-de.cronofy.com"),
    "uk": ("United Kingdom (UK)", "https://app-uk.cronofy.com", "https://api-uk.cronofy.com"),
    "ca": ("Canada (CA)", "https://app-ca.cronofy.com", "https://api-ca.cronofy.com"),
    "au": ("Australia (AU)", "https://app-au.cronofy.com", "https://api-au.cronofy.com"),
    "sg": ("Singapore (SG)", "https://app-sg.cronofy.com", "https://api-sg.cronofy.com"),
}


def test_shipped_regions_are_the_six_data_centres_with_the_real_instances():
    catalog = regions.load_regions()
    assert catalog.ids() == list(SIX)
    assert catalog.default_id == "us"
    for region_id, (label, dashboard, api) in SIX.items():
        region = catalog.get(region_id)
        assert (region.label, region.dashboard_url, region.api_base_url) == (label, dashboard, api)
        # Nobody has verified a Marketplace listing yet: it ships empty and means "not configured".
        assert not region.google_marketplace.configured


def test_user_file_overrides_a_field_and_adds_an_instance():
    (paths.config_dir() / "regions.toml").write_text(
        '[regions.de]\nname = "Deutschland"\n\n'
        '[regions.test]\nname = "Staging"\ndashboard_url = "https://app.staging.example"\n'
        'api_base_url = "https://api.staging.example"\n'
    )
    catalog = regions.load_regions()
    assert catalog.get("de").name == "Deutschland"
    assert catalog.get("de").dashboard_url == "https://app-de.cronofy.com"  # untouched fields stay
    assert catalog.get("test").api_base_url == "https://api.staging.example"


@pytest.mark.parametrize(
    "body, fragment",
    [
        ("[regions.x\n", "not valid TOML"),
        ('[regions.x]\nname = "X"\ndashboard_url = "ftp://x"\napi_base_url = "https://a"\n', "https URL"),
        ('[regions.X]\nname = "X"\ndashboard_url = "https://x"\napi_base_url = "https://a"\n', "region id"),
        ('[regions.x]\ndashboard_url = "https://x"\napi_base_url = "https://a"\n', "name is missing"),
    ],
)
def test_a_bad_user_file_is_refused_with_the_file_and_field_named(body, fragment):
    user = paths.config_dir() / "regions.toml"
    user.write_text(body)
    with pytest.raises(BadInput) as err:
        regions.load_regions()
    assert fragment in err.value.message
    assert str(user) in err.value.message or "regions.toml" in err.value.message


def test_unknown_region_names_the_configured_ones():
    with pytest.raises(BadInput) as err:
        regions.load_regions().get("eu")
    assert "Unknown region 'eu'" in err.value.message
    for region_id, (label, _, _) in SIX.items():
        name = label.rsplit(" (", 1)[0]
        assert f"{region_id} ({name})" in err.value.message


def test_chosen_region_persists_between_runs():
    catalog = regions.load_regions()
    assert regions.current_region_id(catalog) == "us"
    regions.remember_region("de")
    assert regions.current_region_id(regions.load_regions()) == "de"


@pytest.mark.parametrize("region_id", ["de", "sg"])
def test_a_settings_file_from_an_earlier_version_keeps_its_region(region_id):
    # What the console has always written: View choices and the region, sorted, indented.
    (paths.config_dir() / "settings.json").write_text(
        json.dumps({"region": region_id, "theme": "dark"}, indent=2, sort_keys=True), encoding="utf-8")
    assert regions.current_region_id(regions.load_regions()) == region_id


@pytest.mark.parametrize("remembered", ["gone", 5, ["de"], {"id": "de"}, ""])
def test_a_remembered_region_that_no_longer_exists_falls_back_to_the_default(remembered, caplog):
    regions.save_setting("region", remembered)
    with caplog.at_level(logging.WARNING, logger="ec_console.regions"):
        assert regions.current_region_id(regions.load_regions()) == "us"
    assert "no longer configured" in caplog.text and "us" in caplog.text


def test_no_remembered_region_opens_the_default_without_a_warning(caplog):
    with caplog.at_level(logging.WARNING, logger="ec_console.regions"):
        assert regions.current_region_id(regions.load_regions()) == "us"
    assert caplog.text == ""


def test_a_region_added_by_a_user_file_that_is_later_removed_falls_back(caplog):
    user = paths.config_dir() / "regions.toml"
    user.write_text('[regions.lab]\nname = "Lab"\ndashboard_url = "https://app.lab.example"\n'
                    'api_base_url = "https://api.lab.example"\n')
    regions.remember_region("lab")
    assert regions.current_region_id(regions.load_regions()) == "lab"
    user.unlink()
    with caplog.at_level(logging.WARNING, logger="ec_console.regions"):
        assert regions.current_region_id(regions.load_regions()) == "us"
    assert "'lab'" in caplog.text


@pytest.fixture
def german(compiled_catalogs):
    from ec_console import i18n

    i18n.set_language("de")
    yield
    i18n.set_language(None)


def test_display_names_are_german_while_the_data_stays_english(german):
    (paths.config_dir() / "regions.toml").write_text(
        '[regions.lab]\nname = "Lab Frankfurt"\ndashboard_url = "https://app.lab.example"\n'
        'api_base_url = "https://api.lab.example"\n')
    catalog = regions.load_regions()
    uk = catalog.get("uk")
    assert (uk.display_name, uk.display_label) == ("Vereinigtes Königreich", "Vereinigtes Königreich (UK)")
    assert (uk.name, uk.label) == ("United Kingdom", "United Kingdom (UK)")      # files, JSON, settings
    assert catalog.get("lab").display_label == "Lab Frankfurt (LAB)"           # a user's own name as written
    with pytest.raises(BadInput) as err:
        catalog.get("eu")
    assert err.value.message.startswith(
        "Unbekannte Region 'eu'; eingerichtete Regionen: us (Vereinigte Staaten)")
    assert "uk (Vereinigtes Königreich)" in err.value.message and "lab (Lab Frankfurt)" in err.value.message


def test_a_bad_user_file_is_refused_in_german_naming_the_file_and_field(german):
    user = paths.config_dir() / "regions.toml"
    user.write_text('[regions.x]\nname = "X"\ndashboard_url = "ftp://x"\napi_base_url = "https://a"\n')
    with pytest.raises(BadInput) as err:
        regions.load_regions()
    assert err.value.message == f"{user}: [regions.x].dashboard_url muss eine https-URL sein, nicht 'ftp://x'"
