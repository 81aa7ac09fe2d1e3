"""users keep whether they chose the countries they follow, so that saving an empty list follows none

Revision ID: 0006_follows_chosen
Revises: 0005_iati_speed

Without it "no followed country" meant "follow my organisation's country", and a user who cleared the list got
that country back. Users who already follow countries have chosen; those with none cannot be told apart from
users who never chose, and keep the default.
"""
from alembic import op
import sqlalchemy as sa


revision = '0006_follows_chosen'
down_revision = '0005_iati_speed'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users') as batch_op:
        batch_op.add_column(sa.Column('follows_chosen', sa.Boolean(), server_default=sa.false(), nullable=False))
    users = sa.table('users', sa.column('id', sa.Integer()), sa.column('follows_chosen', sa.Boolean()))
    followed = sa.table('followed_countries', sa.column('user_id', sa.Integer()))
    op.execute(users.update().where(users.c.id.in_(sa.select(followed.c.user_id))).values(follows_chosen=True))


def downgrade():
    with op.batch_alter_table('users') as batch_op:
        batch_op.drop_column('follows_chosen')
