"""The MongoDB message and management store (see ``driver`` for the layout and guarantees)."""
