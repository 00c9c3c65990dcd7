"""Alembic migrations of the SQL store; applied with ``zaqar-manage db upgrade``."""
