"""Indexes for the public list of civil requests (by category, 동 and status, newest first) and the feeds' newest steps

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 10:00:00
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('civil_requests', schema=None) as batch_op:
        batch_op.create_index('ix_civil_requests_public_category', ['is_public', 'category_id', 'received_at'], unique=False)
        batch_op.create_index('ix_civil_requests_public_district', ['is_public', 'district_id', 'received_at'], unique=False)
        batch_op.create_index('ix_civil_requests_public_status', ['is_public', 'status', 'received_at'], unique=False)
        batch_op.create_index('ix_civil_requests_public_due', ['is_public', 'status', 'due_at'], unique=False)
    with op.batch_alter_table('request_events', schema=None) as batch_op:
        batch_op.create_index('ix_request_events_at', ['at'], unique=False)


def downgrade():
    with op.batch_alter_table('request_events', schema=None) as batch_op:
        batch_op.drop_index('ix_request_events_at')
    with op.batch_alter_table('civil_requests', schema=None) as batch_op:
        batch_op.drop_index('ix_civil_requests_public_due')
        batch_op.drop_index('ix_civil_requests_public_status')
        batch_op.drop_index('ix_civil_requests_public_district')
        batch_op.drop_index('ix_civil_requests_public_category')
