"""Sweeps in short transactions: unread counts in a table of their own (off the users row that votes
and sign-ins lock), and how far a round's close and publication and a campaign's have got

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 07:05:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('unread_counts',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('unread', sa.Integer(), server_default='0', nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_unread_counts_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_unread_counts'))
    )
    # The counts move with their people; a zero needs no row.
    op.execute("INSERT INTO unread_counts (user_id, unread) SELECT id, unread_notifications FROM users WHERE unread_notifications <> 0")
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('unread_notifications')

    with op.batch_alter_table('round_outcomes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('results_written', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('closing_done_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('publication_done_at', sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table('scorecards', schema=None) as batch_op:
        batch_op.add_column(sa.Column('closing_done_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('publication_done_at', sa.DateTime(timezone=True), nullable=True))
    # Closes and publications made before this revision were made whole in one transaction.
    op.execute("UPDATE round_outcomes SET results_written = ideas, closing_done_at = computed_at")
    op.execute("UPDATE round_outcomes SET publication_done_at = (SELECT rounds.published_at FROM rounds WHERE rounds.id = round_outcomes.round_id)")
    op.execute("UPDATE scorecards SET closing_done_at = computed_at")
    op.execute("UPDATE scorecards SET publication_done_at = (SELECT campaigns.published_at FROM campaigns WHERE campaigns.id = scorecards.campaign_id)")


def downgrade():
    with op.batch_alter_table('scorecards', schema=None) as batch_op:
        batch_op.drop_column('publication_done_at')
        batch_op.drop_column('closing_done_at')
    with op.batch_alter_table('round_outcomes', schema=None) as batch_op:
        batch_op.drop_column('publication_done_at')
        batch_op.drop_column('closing_done_at')
        batch_op.drop_column('results_written')

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('unread_notifications', sa.Integer(), server_default='0', nullable=False))
    op.execute("UPDATE users SET unread_notifications = COALESCE((SELECT unread FROM unread_counts WHERE unread_counts.user_id = users.id), 0)")
    op.drop_table('unread_counts')
