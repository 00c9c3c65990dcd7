"""The Redis message store (see ``driver`` for the key layout and guarantees)."""
