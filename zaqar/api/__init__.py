"""The operations of the service, written once for every transport and API version.

Each operation validates its input against the configured limits, then calls the storage
contract. Transports parse requests into plain values and render what comes back.
"""
