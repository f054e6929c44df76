"""The car catalog: the shipped one is complete and valid; bad catalogs fail clearly."""

from __future__ import annotations

import pytest

from vintage_ai_assets.catalog import CatalogError, load_catalog, parse_catalog

MOTOR_VALLEY = [
    "ferrari-testarossa", "ferrari-365-gtb4-daytona", "ferrari-550-maranello", "ferrari-355-gtb",
    "ferrari-308-gtb", "ferrari-330-gtc", "ferrari-250-gte", "ferrari-dino-246", "ferrari-f40",
    "lamborghini-350-gt", "lamborghini-400-gt", "lamborghini-miura-p400", "lamborghini-countach-25th",
    "lamborghini-lm002", "lamborghini-diablo-vt", "maserati-3500-gt", "maserati-mistral",
    "maserati-mc12", "bugatti-eb110", "bugatti-type-57",
]  # fmt: skip


def test_shipped_catalog_has_motor_valley_and_more(catalog):
    assert set(MOTOR_VALLEY) <= set(catalog.slugs)
    assert len(catalog) >= 30
    for car in catalog.cars:
        assert car.aliases and car.years[0] <= car.years[1]
        assert car.make in catalog.makes, f"{car.slug}: make {car.make} has no entry under makes"


def test_catalog_from_the_settings(tmp_path):
    from vintage_ai_assets import settings

    path = tmp_path / "mine.yaml"
    path.write_text(
        "cars:\n  - {slug: my-car, make: Alfa Romeo, model: Giulia GTA, years: [1965, 1969], aliases: [GTA]}\n"
    )
    settings.use(settings.Settings.from_env({"VINTAGE_AI_CATALOG": str(path)}))
    assert load_catalog().slugs == ["my-car"]


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (
            {
                "cars": [
                    {
                        "slug": "Bad Slug",
                        "make": "X",
                        "model": "Y",
                        "years": [1, 2],
                        "aliases": ["y"],
                    }
                ]
            },
            "slug",
        ),
        (
            {
                "cars": [
                    {
                        "slug": "a",
                        "make": "X",
                        "model": "Y",
                        "years": [1990, 1980],
                        "aliases": ["y"],
                    }
                ]
            },
            "years",
        ),
        ({"cars": [{"slug": "a", "make": "X", "model": "Y", "years": [1, 2]}]}, "alias"),
        (
            {
                "cars": [
                    {
                        "slug": "a'; DROP TABLE x; --",
                        "make": "X",
                        "model": "Y",
                        "years": [1, 2],
                        "aliases": ["y"],
                    }
                ]
            },
            "slug",
        ),
        (
            {
                "cars": [
                    {"slug": "a", "make": "X", "model": "Y", "years": [1, 2], "aliases": ["y"]},
                    {"slug": "a", "make": "X", "model": "Z", "years": [1, 2], "aliases": ["z"]},
                ]
            },
            "duplicate",
        ),
        ("just text", "mapping"),
    ],
)
def test_invalid_catalogs_are_refused_with_a_reason(document, message):
    with pytest.raises(CatalogError, match=message):
        parse_catalog(document)


def test_unreadable_catalog_file(tmp_path):
    with pytest.raises(CatalogError, match="cannot read"):
        load_catalog(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("cars: [\n")
    with pytest.raises(CatalogError, match="not valid YAML"):
        load_catalog(bad)
