"""The models layer's logic: per-car forecasters and their back-tests (no Dagster here)."""
