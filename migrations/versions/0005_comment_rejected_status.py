"""A held comment a moderator turns down is 'rejected' (never published, so never in the public tree);
queue items remember when the author asked for a review (one request per hiding decision)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 07:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.drop_constraint('status', type_='check')
        batch_op.create_check_constraint('status', "status IN ('visible', 'held', 'rejected', 'hidden', 'deleted')")
    with op.batch_alter_table('moderation_items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('review_requested_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('moderation_items', schema=None) as batch_op:
        batch_op.drop_column('review_requested_at')
    op.execute("UPDATE comments SET status = 'hidden' WHERE status = 'rejected'")
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.drop_constraint('status', type_='check')
        batch_op.create_check_constraint('status', "status IN ('visible', 'held', 'hidden', 'deleted')")
