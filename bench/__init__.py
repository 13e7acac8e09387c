"""Benchmarks: generated Hindi news dumps and speed/memory figures for `khabar ingest` (see README.md)."""
