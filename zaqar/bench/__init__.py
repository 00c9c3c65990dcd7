"""zaqar-bench: a load generator for the Zaqar v1 HTTP API.

Producers post messages, consumers claim messages and delete each one with its claim id,
observers page through queues by marker with ``include_claimed``. Every role runs as
processes x threads, each thread with its own HTTP connection (``http.client``), against any
server URL. Only the standard library is used, so ``bench/compare`` can import these modules
from any Python 3.11.
"""
