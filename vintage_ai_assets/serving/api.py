"""The HTTP API (FastAPI): cars, one car's series, themes, forecasts and prices, reports,
pricing lots, and the freshness of each layer.

Every read is answered from the current snapshot of the public tables
(:mod:`vintage_ai_assets.serving.read_model`), never from the warehouse file, so requests
do not wait while the platform writes. Request logs name the method, path, status and time
only (no client address, query string or body). OpenAPI at ``/docs``.
"""

from __future__ import annotations

import logging
import time
from datetime import date
from typing import Annotated

from fastapi import Body, FastAPI, HTTPException, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, Field

from vintage_ai_assets.paths import DataPaths
from vintage_ai_assets.serving import read_model as rm
from vintage_ai_assets.serving.read_model import CarDetail, CarSummary, Health, Price, Report
from vintage_ai_assets.valuation.pricing import MAX_BATCH

log = logging.getLogger("vintage_ai.api")


class Lot(BaseModel):
    """One car to price."""

    make: str = Field(min_length=1, examples=["Porsche"])
    model: str = Field(min_length=1, examples=["911"])
    year: int = Field(examples=[1989])
    mileage: float | None = Field(default=None, ge=0, examples=[60000])
    title: str | None = None
    sold_on: date | None = Field(
        default=None, alias="date", description="sale date (default: today, UTC)"
    )

    model_config = {"populate_by_name": True}


LotsBody = Annotated[
    Lot | list[Lot], Body(description=f"one lot, or a list of at most {MAX_BATCH:,} lots")
]


def create_app(paths: DataPaths) -> FastAPI:
    """The API over the data directory ``paths`` (its snapshots, reports and models)."""
    from vintage_ai_assets.valuation.pricing import Listing, ListingError

    reader = rm.SnapshotReader(paths.serving)
    pricers = rm.Pricers(paths, reader)
    app = FastAPI(
        title="Vintage AI",
        description="Classic-car market intelligence: sentiment, themes, forecasts and prices "
        "per catalog car, from the platform's latest published snapshot.",
        version="1",
    )
    reports = paths.root / "reports"
    reports.mkdir(parents=True, exist_ok=True)
    app.mount("/reports", StaticFiles(directory=reports), name="reports")

    @app.exception_handler(rm.NotReady)
    async def not_ready(request: Request, exc: rm.NotReady) -> JSONResponse:
        return JSONResponse(status_code=503, content={"detail": str(exc)})

    @app.exception_handler(rm.UnknownCar)
    async def unknown_car(request: Request, exc: rm.UnknownCar) -> JSONResponse:
        return JSONResponse(status_code=404, content={"detail": str(exc)})

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        """A 422 whose ``detail`` is one line per problem ("mileage: Input should be …"),
        for the shape sent (one lot or a list), with pydantic's errors beside it."""
        errors = list(exc.errors())
        shape = "list[Lot]" if isinstance(getattr(exc, "body", None), list) else "Lot"
        other = {"Lot": "list[Lot]", "list[Lot]": "Lot"}[shape]
        kept = [e for e in errors if not (len(e["loc"]) > 1 and e["loc"][1] == other)] or errors
        where = [
            ".".join(str(p) for p in e["loc"] if p not in ("body", "Lot", "list[Lot]")) or "body"
            for e in kept
        ]
        detail = "; ".join(f"{w}: {e['msg']}" for w, e in zip(where, kept, strict=True))
        return JSONResponse(
            status_code=422, content=jsonable_encoder({"detail": detail, "errors": kept})
        )

    @app.middleware("http")
    async def request_log(request: Request, call_next):
        started = time.perf_counter()
        response = await call_next(request)
        elapsed = (time.perf_counter() - started) * 1000
        log.info("%s %s %d %.1fms", request.method, request.url.path, response.status_code, elapsed)
        return response

    @app.get("/api/cars", response_model=list[CarSummary], summary="every catalog car")
    def cars() -> list[CarSummary]:
        """Each catalog car with its latest 28 days of sentiment and volume (and their change
        on the 28 days before) and its 6-month value direction."""
        return rm.summaries(reader)

    @app.get("/api/cars/{car}", response_model=CarDetail, summary="one car in detail")
    def car_detail(car: str) -> CarDetail:
        """Six months of daily sentiment and volume, themes with shares and quotes, the
        90-day forecasts with p10–p90, the value direction with its back-test, the price index."""
        return rm.car_detail(reader, car)

    @app.get("/api/cars/{car}/report", response_model=Report, summary="one car's report")
    def car_report(car: str) -> Report:
        """The car's market report as markdown, with the URLs of its plots."""
        return rm.car_report(reader, reports, car)

    @app.post("/api/price", response_model=Price | list[Price], summary="price lots")
    def price(lots: LotsBody) -> Price | list[Price]:
        """p10 / p50 / p90 in USD of one lot (or of each lot of a list), the catalog car it
        is, the model it was priced as, the five most similar recent sales and the model
        version. A lot that cannot be priced is a 422 naming it."""
        batch = isinstance(lots, list)
        listing = [
            Listing(
                make=lot.make,
                model=lot.model,
                year=lot.year,
                mileage=lot.mileage,
                title=lot.title,
                sold_on=lot.sold_on,
            )
            for lot in (lots if batch else [lots])
        ]
        if batch and not listing:
            raise HTTPException(422, "the list of lots is empty")
        try:
            quotes = pricers.get().quote_many(listing)
        except ListingError as exc:
            raise HTTPException(422, str(exc)) from None
        answers = [rm.price_answer(q) for q in quotes]
        return answers if batch else answers[0]

    @app.get("/api/health", response_model=Health, summary="freshness per layer")
    def health() -> Health:
        """When the served snapshot was published, and each layer's latest data: ``stale``
        past its limit (2 days for the daily layers, 8 for the models, 62 for the monthly)."""
        return rm.health(reader)

    return app
