"""interface language on the user's profile: the unused locale column becomes language

Revision ID: 0004_i18n
Revises: 0004_site_settings
Create Date: 2026-12-01 00:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004_i18n'
down_revision = '0004_site_settings'
branch_labels = None
depends_on = None


def upgrade():
    # The foundation created users.locale and nothing ever wrote it; rename it rather than keep two columns.
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.alter_column('locale', new_column_name='language', existing_type=sa.String(length=5),
                              existing_nullable=True)


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.alter_column('language', new_column_name='locale', existing_type=sa.String(length=5),
                              existing_nullable=True)
