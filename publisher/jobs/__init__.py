"""Periodic work that `lovetv serve` runs itself, once across every worker and machine."""
