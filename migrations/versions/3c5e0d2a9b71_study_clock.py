"""study clock: one material at a time per person

Revision ID: 3c5e0d2a9b71
Revises: b7c41e2d9a10
Create Date: 2026-12-07 12:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3c5e0d2a9b71'
down_revision = 'b7c41e2d9a10'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'study_clock',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('material_id', sa.Integer(), nullable=True),
        sa.Column('counted_until', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['material_id'], ['material.id'], name=op.f('fk_study_clock_material_id_material'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_study_clock_user_id_user'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('user_id', name=op.f('pk_study_clock')),
    )


def downgrade():
    op.drop_table('study_clock')
