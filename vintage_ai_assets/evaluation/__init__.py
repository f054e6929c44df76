"""Offline evaluations of the platform's methods against labelled data."""
