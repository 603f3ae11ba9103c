"""Ortak's benchmark suite: ``python -m bench <scenario>`` (see docs/benchmarks.md)."""
