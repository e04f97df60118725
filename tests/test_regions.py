import pytest

from ec_console import paths, regions
from ec_console.errors import BadInput


def test_shipped_regions_are_us_and_de_with_the_real_instances():
    catalog = regions.load_regions()
    assert catalog.ids() == ["us", "de"]
    assert catalog.get("us").dashboard_url == "https://app.cronofy.com"
    assert catalog.get("de").api_base_url == "https://api-de.cronofy.com"
    # Nobody has verified a Marketplace listing yet: it ships empty and means "not configured".
    assert not catalog.get("us").google_marketplace.configured


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
    with pytest.raises(BadInput, match="configured regions: de, us"):
        regions.load_regions().get("eu")


def test_chosen_region_persists_between_runs():
    catalog = regions.load_regions()
    assert regions.current_region_id(catalog) == "us"
    regions.remember_region("de")
    assert regions.current_region_id(regions.load_regions()) == "de"


def test_a_remembered_region_that_no_longer_exists_falls_back_to_the_default():
    regions.save_setting("region", "gone")
    assert regions.current_region_id(regions.load_regions()) == "us"
