"""subjective questions (简答, 案例分析) and results awaiting marks

Revision ID: 5b1e0c7a2d64
Revises: 00733ee43e7c
Create Date: 2026-12-07 18:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5b1e0c7a2d64'
down_revision = '00733ee43e7c'
branch_labels = None
depends_on = None

OLD = "qtype IN ('single', 'multiple', 'truefalse', 'fill')"
NEW = "qtype IN ('single', 'multiple', 'truefalse', 'fill', 'short', 'case')"


def upgrade():
    with op.batch_alter_table('question', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_question_qtype_known'), type_='check')
        batch_op.create_check_constraint(op.f('ck_question_qtype_known'), NEW)
    # Every attempt closed so far was scored whole: its objective part is its score.
    with op.batch_alter_table('attempt', schema=None) as batch_op:
        batch_op.add_column(sa.Column('objective_score', sa.Numeric(precision=7, scale=2), nullable=True))
        batch_op.add_column(sa.Column('awaiting_marks', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.create_check_constraint(
            op.f('ck_attempt_awaiting_marks_finished_unscored'),
            "NOT awaiting_marks OR (status <> 'in_progress' AND score IS NULL)")
        batch_op.create_index('ix_attempt_awaiting_marks', ['exam_id'], unique=False,
                              sqlite_where=sa.text('awaiting_marks'), postgresql_where=sa.text('awaiting_marks'))
    op.execute("UPDATE attempt SET objective_score = score")


def downgrade():
    # Subjective questions cannot be kept by an older version: they go with their answers.
    op.execute("DELETE FROM answer WHERE question_id IN (SELECT id FROM question WHERE qtype IN ('short', 'case'))")
    op.execute("DELETE FROM exam_fixed_item WHERE question_id IN "
               "(SELECT id FROM question WHERE qtype IN ('short', 'case'))")
    op.execute("DELETE FROM question WHERE qtype IN ('short', 'case')")
    op.execute("UPDATE attempt SET score = objective_score WHERE awaiting_marks")
    with op.batch_alter_table('attempt', schema=None) as batch_op:
        batch_op.drop_index('ix_attempt_awaiting_marks')
        batch_op.drop_constraint(op.f('ck_attempt_awaiting_marks_finished_unscored'), type_='check')
        batch_op.drop_column('awaiting_marks')
        batch_op.drop_column('objective_score')
    with op.batch_alter_table('question', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_question_qtype_known'), type_='check')
        batch_op.create_check_constraint(op.f('ck_question_qtype_known'), OLD)
