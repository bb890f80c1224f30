"""Civil requests' alert sweep: indexes for the progress notices and the survey reminders

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 10:00:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('civil_requests', schema=None) as batch_op:
        batch_op.create_index('ix_civil_requests_progress', ['next_progress_notice_at'], unique=False)
        batch_op.create_index('ix_civil_requests_survey_due', ['status', 'survey_reminded_at', 'completed_at'], unique=False)


def downgrade():
    with op.batch_alter_table('civil_requests', schema=None) as batch_op:
        batch_op.drop_index('ix_civil_requests_survey_due')
        batch_op.drop_index('ix_civil_requests_progress')
