"""exam paper in sections: the trainer's section order and titles

Revision ID: 0e41e07cc1be
Revises: 14b091257944
Create Date: 2026-12-07 16:16:17

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0e41e07cc1be'
down_revision = '14b091257944'
branch_labels = None
depends_on = None


def upgrade():
    # NULL for every existing exam: the default order and titles. Attempts already drawn keep
    # their stored papers; their sections are read from that order, never redrawn.
    with op.batch_alter_table('exam', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sections', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('exam', schema=None) as batch_op:
        batch_op.drop_column('sections')
