"""Benchmarks behind `make bench` / `make bench-quick` (see bench/README.md)."""
