"""site settings changed by administrators at run time (the public read-only view)

Revision ID: 0004_site_settings
Revises: 0004_search_perf
Create Date: 2026-12-01 00:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0004_site_settings'
down_revision = '0004_search_perf'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('site_settings',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_site_settings_updated_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_site_settings'))
    )


def downgrade():
    op.drop_table('site_settings')
