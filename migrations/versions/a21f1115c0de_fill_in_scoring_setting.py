"""fill-in questions get their own scoring setting

Revision ID: a21f1115c0de
Revises: bb47998c5044
Create Date: 2026-12-07 13:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'a21f1115c0de'
down_revision = 'bb47998c5044'
branch_labels = None
depends_on = None


def upgrade():
    # Until now the multiple-choice setting also gave per-blank credit on fill-ins; exams that
    # asked for partial credit keep that behaviour, every other exam stays all or nothing.
    with op.batch_alter_table('exam', schema=None) as batch_op:
        batch_op.add_column(sa.Column('fill_scoring', sa.String(length=20), nullable=False,
                                      server_default='all_or_nothing'))
        batch_op.create_check_constraint(op.f('ck_exam_fill_scoring_known'), "fill_scoring IN ('all_or_nothing', 'per_blank')")
    op.execute("UPDATE exam SET fill_scoring = 'per_blank' WHERE multiple_scoring = 'partial'")


def downgrade():
    with op.batch_alter_table('exam', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_exam_fill_scoring_known'), type_='check')
        batch_op.drop_column('fill_scoring')
