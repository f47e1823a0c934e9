"""review policy after_submit (review that teaches)

Revision ID: 9579c8d8bd2f
Revises: 0e41e07cc1be
Create Date: 2026-12-07 16:15:33.543038

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '9579c8d8bd2f'
down_revision = '0e41e07cc1be'
branch_labels = None
depends_on = None

OLD = "review_policy IN ('never', 'score', 'full')"
NEW = "review_policy IN ('never', 'score', 'full', 'after_submit')"


def upgrade():
    # 'after_submit' has 12 characters: the column grows to 16 (PostgreSQL enforces the length),
    # and the constraint naming the known policies is replaced.
    with op.batch_alter_table('exam', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_exam_review_policy_known'), type_='check')
        batch_op.alter_column('review_policy',
                              existing_type=sa.VARCHAR(length=10),
                              type_=sa.String(length=16),
                              existing_nullable=False)
        batch_op.create_check_constraint(op.f('ck_exam_review_policy_known'), NEW)


def downgrade():
    # Exams that review after submitting fall back to the closest older policy that shows no
    # more: the full review once the window has closed.
    op.execute("UPDATE exam SET review_policy = 'full' WHERE review_policy = 'after_submit'")
    with op.batch_alter_table('exam', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_exam_review_policy_known'), type_='check')
        batch_op.alter_column('review_policy',
                              existing_type=sa.String(length=16),
                              type_=sa.VARCHAR(length=10),
                              existing_nullable=False)
        batch_op.create_check_constraint(op.f('ck_exam_review_policy_known'), OLD)
