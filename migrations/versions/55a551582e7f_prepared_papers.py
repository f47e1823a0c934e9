"""prepared papers: first papers drawn before an exam opens (flask exams prepare)

Revision ID: 55a551582e7f
Revises: a96f1ffb315d
Create Date: 2026-12-07 19:15:40.623306

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '55a551582e7f'
down_revision = 'a96f1ffb315d'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('prepared_paper',
    sa.Column('exam_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('published_at', sa.DateTime(), nullable=False),
    sa.Column('seed', sa.BigInteger(), nullable=False),
    sa.Column('paper', sa.JSON(), nullable=False),
    sa.Column('total', sa.Numeric(precision=7, scale=2, asdecimal=False), nullable=False),
    sa.Column('prepared_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['exam_id'], ['exam.id'], name=op.f('fk_prepared_paper_exam_id_exam'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_prepared_paper_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('exam_id', 'user_id', name=op.f('pk_prepared_paper'))
    )


def downgrade():
    op.drop_table('prepared_paper')
