"""notifications keep their message as catalogue id and parameters, shown in each reader's language

Revision ID: 0005_notifications
Revises: 0004_overlap_perf
Create Date: 2026-12-01 03:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0005_notifications'
down_revision = '0004_overlap_perf'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('notifications') as batch_op:
        batch_op.add_column(sa.Column('content', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('notifications') as batch_op:
        batch_op.drop_column('content')
