"""Configuration, declared once as a table of settings.

Everything else derives from `SETTINGS` (`publisher/config/settings.py`): loading, defaults,
validation and the README's configuration table (a test fails when the two drift apart).
Nothing reads the environment at import time; `load_config` is called by the app factory
and the CLI.
"""

from __future__ import annotations

from publisher.config.loading import Config, load_config, read_environment
from publisher.config.parsers import MIN_SECRET_LENGTH, ConfigError, parse_prices
from publisher.config.plans import PLANS, PRICE_NAMES
from publisher.config.settings import SETTING_NAMES, SETTINGS, Setting

__all__ = [
    "MIN_SECRET_LENGTH",
    "PLANS",
    "PRICE_NAMES",
    "SETTINGS",
    "SETTING_NAMES",
    "Config",
    "ConfigError",
    "Setting",
    "load_config",
    "parse_prices",
    "read_environment",
]
