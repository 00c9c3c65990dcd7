"""zaqar: a multi-tenant messaging and notification service speaking the Zaqar HTTP API."""

__version__ = "0.1.0"
