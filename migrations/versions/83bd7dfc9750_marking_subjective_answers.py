"""Marking subjective answers: marks per round, claims (leases), extra markers, exam marking settings

Revision ID: 83bd7dfc9750
Revises: 23cbbe579763
Create Date: 2026-12-07 18:17:29.911495

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '83bd7dfc9750'
down_revision = '23cbbe579763'
branch_labels = None
depends_on = None


def upgrade():
    
    op.create_table('exam_marker',
    sa.Column('exam_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('added_by_id', sa.Integer(), nullable=True),
    sa.Column('added_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['added_by_id'], ['user.id'], name=op.f('fk_exam_marker_added_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['exam_id'], ['exam.id'], name=op.f('fk_exam_marker_exam_id_exam'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_exam_marker_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('exam_id', 'user_id', name=op.f('pk_exam_marker'))
    )
    op.create_table('mark',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('attempt_id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('round', sa.String(length=12), nullable=False),
    sa.Column('marker_id', sa.Integer(), nullable=True),
    sa.Column('parts', sa.JSON(), nullable=False),
    sa.Column('total', sa.Numeric(precision=7, scale=2, asdecimal=False), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("round IN ('first', 'second', 'arbitration')", name=op.f('ck_mark_round_known')),
    sa.CheckConstraint('total >= 0', name=op.f('ck_mark_total_not_negative')),
    sa.ForeignKeyConstraint(['attempt_id'], ['attempt.id'], name=op.f('fk_mark_attempt_id_attempt'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['marker_id'], ['user.id'], name=op.f('fk_mark_marker_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['question_id'], ['question.id'], name=op.f('fk_mark_question_id_question')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mark')),
    sa.UniqueConstraint('attempt_id', 'question_id', 'round', name='uq_mark_round')
    )
    with op.batch_alter_table('mark', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mark_marker_id'), ['marker_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_mark_question_id'), ['question_id'], unique=False)

    op.create_table('mark_claim',
    sa.Column('attempt_id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('round', sa.String(length=12), nullable=False),
    sa.Column('marker_id', sa.Integer(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['attempt_id'], ['attempt.id'], name=op.f('fk_mark_claim_attempt_id_attempt'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['marker_id'], ['user.id'], name=op.f('fk_mark_claim_marker_id_user'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['question_id'], ['question.id'], name=op.f('fk_mark_claim_question_id_question')),
    sa.PrimaryKeyConstraint('attempt_id', 'question_id', 'round', name=op.f('pk_mark_claim'))
    )
    with op.batch_alter_table('exam', schema=None) as batch_op:
        batch_op.add_column(sa.Column('double_marking', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('marking_tolerance', sa.Numeric(precision=6, scale=2, asdecimal=False), server_default=sa.text('2'), nullable=False))
        batch_op.add_column(sa.Column('anonymous_marking', sa.Boolean(), server_default=sa.true(), nullable=False))




def downgrade():
    
    with op.batch_alter_table('exam', schema=None) as batch_op:
        batch_op.drop_column('anonymous_marking')
        batch_op.drop_column('marking_tolerance')
        batch_op.drop_column('double_marking')

    op.drop_table('mark_claim')
    with op.batch_alter_table('mark', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mark_question_id'))
        batch_op.drop_index(batch_op.f('ix_mark_marker_id'))

    op.drop_table('mark')
    op.drop_table('exam_marker')

