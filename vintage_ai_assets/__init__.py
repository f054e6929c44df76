"""Vintage AI: market intelligence for classic cars, as a Dagster asset graph."""

__version__ = "0.1.0"
