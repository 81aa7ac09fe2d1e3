"""index on projects.updated_at: the overlap register index finds the projects saved since it was built

Revision ID: 0004_overlap_perf
Revises: 0004_i18n
Create Date: 2026-12-01 00:40:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0004_overlap_perf'
down_revision = '0004_i18n'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.create_index('ix_projects_updated_at', ['updated_at'], unique=False)


def downgrade():
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.drop_index('ix_projects_updated_at')
