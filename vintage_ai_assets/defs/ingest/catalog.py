"""catalog: the followed cars as a warehouse table (the source of the ``car`` partitions)."""

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


@warehouse_asset(
    ["catalog", "cars"], partitions=None, schema=schemas.CATALOG_CARS, kinds=("yaml", "duckdb")
)
def catalog_cars(catalog: CatalogResource) -> dg.Output:
    """The car catalog (slug, make, model, production years, aliases)."""
    frame = catalog_frame(catalog.load())
    return dg.Output(frame, metadata={"cars": dg.MetadataValue.int(len(frame))})
