"""The Dagster layer: thin assets, checks, jobs, schedules and sensors over the domain modules."""
