"""study clock remembers the person's latest page views, so a beat overtaken by a later one is stale

Revision ID: 14b091257944
Revises: 3c5e0d2a9b71
Create Date: 2026-12-07 15:37:44

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '14b091257944'
down_revision = '3c5e0d2a9b71'
branch_labels = None
depends_on = None


def upgrade():
    # NULL for every existing person: no viewing remembered, so their next beats count as before.
    with op.batch_alter_table('study_clock', schema=None) as batch_op:
        batch_op.add_column(sa.Column('viewings', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('study_clock', schema=None) as batch_op:
        batch_op.drop_column('viewings')
