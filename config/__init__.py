"""Configuration classes for backoffice, selected by ``BACKOFFICE_ENV``."""

from config.settings import ConfigError, config_for_env

__all__ = ["ConfigError", "config_for_env"]
