"""A code location with only the platform's raw layer and its daily job, for the tests that
launch runs through a daemon (``dagster-daemon run -m vintage_ai_assets_tests.raw_location``):
it loads in seconds, where the full definitions import the model libraries."""

from vintage_ai_assets_tests.warehouse_worker import raw_layer_definitions

defs = raw_layer_definitions()
