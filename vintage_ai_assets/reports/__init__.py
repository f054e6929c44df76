"""Human-readable output: plots and summaries for the UI and notebooks."""
