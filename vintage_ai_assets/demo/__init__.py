"""Synthetic, deterministic demo data for the platform (see :mod:`.generator`)."""
