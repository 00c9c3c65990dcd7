"""The Redis message store (see ``store`` for the key layout and failures, ``driver`` for
the capabilities)."""
