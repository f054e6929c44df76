"""The series layer's logic: per-car daily attention/sentiment and monthly price index."""
