"""exams protect their questions (题目保密)

Revision ID: b7c41e2d9a10
Revises: a21f1115c0de
Create Date: 2026-12-07 12:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7c41e2d9a10'
down_revision = 'a21f1115c0de'
branch_labels = None
depends_on = None


def upgrade():
    # On for every exam, those already published included: their pools were open to
    # harvesting until now.
    with op.batch_alter_table('exam', schema=None) as batch_op:
        batch_op.add_column(sa.Column('protect_questions', sa.Boolean(), nullable=False, server_default=sa.true()))


def downgrade():
    with op.batch_alter_table('exam', schema=None) as batch_op:
        batch_op.drop_column('protect_questions')
