"""a repeal takes effect on its day: law.repeal_applied_at

Revision ID: 6d2e9b4f1c07
Revises: 55a551582e7f
Create Date: 2026-12-08 03:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '6d2e9b4f1c07'
down_revision = '55a551582e7f'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('law', schema=None) as batch_op:
        batch_op.add_column(sa.Column('repeal_applied_at', sa.DateTime(), nullable=True))
    # Repeals recorded before this revision took effect when they were recorded.
    op.execute("UPDATE law SET repeal_applied_at = CURRENT_TIMESTAMP WHERE repealed_on IS NOT NULL")


def downgrade():
    with op.batch_alter_table('law', schema=None) as batch_op:
        batch_op.drop_column('repeal_applied_at')
