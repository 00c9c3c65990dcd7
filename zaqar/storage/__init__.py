"""The storage contract (``base``), its errors (``errors``) and the drivers."""
