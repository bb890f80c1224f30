"""Panel applicants keep the 구 they applied with, so renaming districts never changes a published draw

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29 18:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('panel_members', schema=None) as batch_op:
        batch_op.add_column(sa.Column('district_name', sa.String(length=100), nullable=True))
    # Applications made so far take their 구's name as it is now (a 동 counts in its 구).
    op.execute(
        "UPDATE panel_members SET district_name = (SELECT COALESCE(p.name_ko, d.name_ko) FROM districts d"
        " LEFT JOIN districts p ON p.id = d.parent_id WHERE d.id = panel_members.district_id)"
    )
    with op.batch_alter_table('panel_members', schema=None) as batch_op:
        batch_op.alter_column('district_name', existing_type=sa.String(length=100), nullable=False)


def downgrade():
    with op.batch_alter_table('panel_members', schema=None) as batch_op:
        batch_op.drop_column('district_name')
