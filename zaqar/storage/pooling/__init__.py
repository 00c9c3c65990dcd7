"""Pooling: queues sharded over several message stores through a catalogue."""
