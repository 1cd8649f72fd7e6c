"""Benchmarks: each module is one command, ``python -m bench.<name>`` (see bench/README.md)."""
