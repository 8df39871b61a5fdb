"""Storage: the engine, the schema, Alembic migrations and the queries; decides no rule."""
