"""Enterprise Connect Console: organisation-wide calendar access through one service account."""

__version__ = "0.1.0"

APP_NAME = "ec-console"
APP_DISPLAY_NAME = "Enterprise Connect Console"
