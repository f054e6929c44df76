"""catalog: the followed cars as a warehouse table (the source of the ``car`` partitions).

Each materialisation records the catalog's content hash as its data version, so the CLI
skips the catalog run when the catalog has not changed since (:func:`catalog_version`)."""

import hashlib

import dagster as dg
import pandas as pd

from vintage_ai_assets import schemas
from vintage_ai_assets.catalog import Catalog
from vintage_ai_assets.defs.platform.resources import CatalogResource
from vintage_ai_assets.defs.platform.warehouse_asset import warehouse_asset


def catalog_frame(catalog: Catalog) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "car": car.slug,
                "make": car.make,
                "model": car.model,
                "first_year": car.years[0],
                "last_year": car.years[1],
                "aliases": list(car.aliases),
            }
            for car in catalog.cars
        ],
        columns=list(schemas.CATALOG_CARS.columns),
    )


def catalog_version(frame: pd.DataFrame) -> str:
    """A hash of the catalog table's content (its data version)."""
    return hashlib.sha256(frame.to_json(orient="records").encode()).hexdigest()[:16]


@warehouse_asset(
    ["catalog", "cars"], partitions=None, schema=schemas.CATALOG_CARS, kinds=("yaml", "duckdb")
)
def catalog_cars(catalog: CatalogResource) -> dg.Output:
    """The car catalog (slug, make, model, production years, aliases)."""
    frame = catalog_frame(catalog.load())
    return dg.Output(
        frame,
        metadata={"cars": dg.MetadataValue.int(len(frame))},
        data_version=dg.DataVersion(catalog_version(frame)),
    )
