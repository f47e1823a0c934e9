"""mock exams (模拟考试) and personal mock exams

Revision ID: 00733ee43e7c
Revises: c1a4c27fb091
Create Date: 2026-12-07 16:15:52

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '00733ee43e7c'
down_revision = 'c1a4c27fb091'
branch_labels = None
depends_on = None


def upgrade():
    # Every existing exam is a real one and offers no personal mocks.
    with op.batch_alter_table('exam', schema=None) as batch_op:
        batch_op.add_column(sa.Column('is_mock', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('allow_personal_mock', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.add_column(sa.Column('personal_mock_of_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_exam_personal_mock_of_id'), ['personal_mock_of_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_exam_personal_mock_of_id_exam'), 'exam',
                                    ['personal_mock_of_id'], ['id'], ondelete='CASCADE')
        batch_op.create_check_constraint(op.f('ck_exam_personal_mock_is_mock'),
                                         "personal_mock_of_id IS NULL OR is_mock")
        # Mock exams review right after submitting: "after_submit" does not fit in 10 characters
        # (PostgreSQL refuses it; the review part's migration adds the value to the check).
        batch_op.alter_column('review_policy', existing_type=sa.String(length=16), type_=sa.String(length=20),
                              existing_nullable=False)


def downgrade():
    with op.batch_alter_table('exam', schema=None) as batch_op:
        batch_op.alter_column('review_policy', existing_type=sa.String(length=20), type_=sa.String(length=16),
                              existing_nullable=False)
        batch_op.drop_constraint(op.f('ck_exam_personal_mock_is_mock'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_exam_personal_mock_of_id_exam'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_exam_personal_mock_of_id'))
        batch_op.drop_column('personal_mock_of_id')
        batch_op.drop_column('allow_personal_mock')
        batch_op.drop_column('is_mock')
