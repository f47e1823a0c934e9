"""law articles: trigram index for the library's search (PostgreSQL pg_trgm)

Revision ID: bbef915d9996
Revises: 83bd7dfc9750
Create Date: 2026-12-07 18:35:00

On PostgreSQL the index needs the pg_trgm extension. A server where the migration's role may not
create it (not a superuser, extension not installed) gets no index: the search still works, as a
plain ILIKE over every article, and docs/deploy.md says how to add the index later. SQLite gets a
plain index of the same name, so both databases match the models.
"""
import logging

from alembic import op
import sqlalchemy as sa

revision = 'bbef915d9996'
down_revision = '83bd7dfc9750'
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")


def _trigram_extension(bind) -> bool:
    if bind.scalar(sa.text("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")):
        return True
    savepoint = bind.begin_nested()
    try:
        bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
    except sa.exc.DBAPIError as error:
        savepoint.rollback()
        log.warning("pg_trgm cannot be created here (%s); the law search works without its index. "
                    "See docs/deploy.md.", str(error).splitlines()[0])
        return False
    savepoint.commit()
    return True


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name == "postgresql" and not _trigram_extension(bind):
        return
    with op.batch_alter_table('law_article', schema=None) as batch_op:
        batch_op.create_index('ix_law_article_text_trgm', ['text'], unique=False, postgresql_using='gin',
                              postgresql_ops={'text': 'gin_trgm_ops'})


def downgrade():
    op.execute("DROP INDEX IF EXISTS ix_law_article_text_trgm")
