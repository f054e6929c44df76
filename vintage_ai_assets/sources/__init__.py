"""Source readers: turn what each source returns into raw records (no Dagster here)."""
