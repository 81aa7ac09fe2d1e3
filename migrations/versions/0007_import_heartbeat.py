"""import jobs keep their worker's heartbeat, so that a job whose process stopped is shown as interrupted

Revision ID: 0007_import_heartbeat
Revises: 0006_follows_chosen

Jobs stored before have none: a queued or running one is judged by when it was created (adam.exchange.jobs).
"""
from alembic import op
import sqlalchemy as sa


revision = '0007_import_heartbeat'
down_revision = '0006_follows_chosen'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('import_jobs') as batch_op:
        batch_op.add_column(sa.Column('heartbeat_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('import_jobs') as batch_op:
        batch_op.drop_column('heartbeat_at')
