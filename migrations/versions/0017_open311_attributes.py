"""Open311: extra questions per category and their answers, the media link and the key a request was filed with

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03 11:43:27.504794

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('request_attributes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=50), nullable=False),
    sa.Column('datatype', sa.String(length=16), nullable=False),
    sa.Column('required', sa.Boolean(), nullable=False),
    sa.Column('position', sa.SmallInteger(), nullable=False),
    sa.Column('description_ko', sa.String(length=300), nullable=False),
    sa.Column('description_en', sa.String(length=300), nullable=False),
    sa.Column('values', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('retired_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("datatype IN ('string', 'number', 'datetime', 'text', 'singlevaluelist', 'multivaluelist')", name=op.f('ck_request_attributes_datatype')),
    sa.ForeignKeyConstraint(['category_id'], ['request_categories.id'], name=op.f('fk_request_attributes_category_id_request_categories'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_request_attributes')),
    sa.UniqueConstraint('category_id', 'code', name='uq_request_attributes_category_code')
    )
    with op.batch_alter_table('request_attributes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_request_attributes_category_id'), ['category_id'], unique=False)

    op.create_table('request_attribute_answers',
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('attribute_id', sa.Integer(), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['attribute_id'], ['request_attributes.id'], name=op.f('fk_request_attribute_answers_attribute_id_request_attributes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['request_id'], ['civil_requests.id'], name=op.f('fk_request_attribute_answers_request_id_civil_requests'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('request_id', 'attribute_id', name=op.f('pk_request_attribute_answers'))
    )
    with op.batch_alter_table('request_attribute_answers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_request_attribute_answers_attribute_id'), ['attribute_id'], unique=False)

    with op.batch_alter_table('civil_requests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('media_url', sa.String(length=500), nullable=True))
        # The reference is declared with the column, so SQLite adds it in place (no copy of the table).
        batch_op.add_column(sa.Column('api_key_id', sa.Integer(), sa.ForeignKey('api_keys.id', name=op.f('fk_civil_requests_api_key_id_api_keys'), ondelete='SET NULL'), nullable=True))
        batch_op.create_index(batch_op.f('ix_civil_requests_api_key_id'), ['api_key_id'], unique=False)



def downgrade():
    with op.batch_alter_table('civil_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_civil_requests_api_key_id'))
        batch_op.drop_column('api_key_id')
        batch_op.drop_column('media_url')

    with op.batch_alter_table('request_attribute_answers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_request_attribute_answers_attribute_id'))

    op.drop_table('request_attribute_answers')
    with op.batch_alter_table('request_attributes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_request_attributes_category_id'))

    op.drop_table('request_attributes')
