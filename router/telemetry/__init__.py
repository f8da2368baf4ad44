"""Metrics (and, as they come, spans and log fields): every stage calls it, it calls none."""
