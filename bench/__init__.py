"""Benchmarks with their peers; results kept as markdown."""
