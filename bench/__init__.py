"""Benchmarks: speed and memory targets measured as ratios side by side in one run.

Run with `make bench`. Each module exposes `main() -> int` (0 when its targets hold) and
prints its own figures; nothing here runs in `make test`.
"""
