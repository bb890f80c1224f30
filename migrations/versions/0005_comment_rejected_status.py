"""A held comment a moderator turns down is 'rejected': never published, so never in the public tree

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 07:40:00

"""
from alembic import op


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.drop_constraint('status', type_='check')
        batch_op.create_check_constraint('status', "status IN ('visible', 'held', 'rejected', 'hidden', 'deleted')")


def downgrade():
    op.execute("UPDATE comments SET status = 'hidden' WHERE status = 'rejected'")
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.drop_constraint('status', type_='check')
        batch_op.create_check_constraint('status', "status IN ('visible', 'held', 'hidden', 'deleted')")
