"""The SQLAlchemy driver: a complete message store on SQLite, PostgreSQL or MySQL."""
