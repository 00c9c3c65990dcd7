"""Pure semantics of the service: no I/O, no framework, only arithmetic and rules."""
