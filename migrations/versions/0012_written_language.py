"""The language each text people write is in (ideas, comments, responses, rounds, panels), for lang="…" on pages

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 07:20:00

Existing rows get the language detected from their text, as new ones do when written; text
with no letters takes the writer's saved language, else Korean.

The columns are added with ALTER TABLE ... ADD COLUMN (a NOT NULL column with a default needs
no table rebuild on SQLite, so the ideas full-text triggers stay as they are).
"""
from alembic import op
import sqlalchemy as sa

from participation.core.language import detect_language


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

# table: (its text columns, the column naming its writer or None)
TABLES = {
    'ideas': (('title', 'body'), 'author_id'),
    'idea_updates': (('body',), 'author_id'),
    'comments': (('body',), 'author_id'),
    'official_responses': (('explanation',), None),
    'response_revisions': (('explanation',), 'author_id'),
    'implementation_updates': (('note',), 'author_id'),
    'rounds': (('title', 'description'), 'created_by_id'),
    'panels': (('name', 'purpose'), 'created_by_id'),
    'public_services': (('name', 'description'), None),
    'campaigns': (('title',), None),
    'criteria': (('name', 'description'), None),
    'action_items': (('title', 'note'), 'author_id'),
}
BATCH = 1000


def _backfill(connection, table, columns, writer):
    locale = 'u.locale' if writer else 'NULL'
    join = f' LEFT JOIN users u ON u.id = t.{writer}' if writer else ''
    select = sa.text(f"SELECT t.id, {', '.join('t.' + c for c in columns)}, {locale} FROM {table} t{join} "
                     f"WHERE t.id > :after ORDER BY t.id LIMIT {BATCH}")
    update = sa.text(f"UPDATE {table} SET language = :language WHERE id = :id")
    after = 0
    while True:
        rows = connection.execute(select, {'after': after}).all()
        if not rows:
            return
        changes = []
        for row in rows:
            fallback = row[-1] if row[-1] in ('ko', 'en') else 'ko'
            language = detect_language(*row[1:-1], fallback=fallback)
            if language != 'ko':
                changes.append({'id': row[0], 'language': language})
        if changes:
            connection.execute(update, changes)
        after = rows[-1][0]


def upgrade():
    connection = op.get_bind()
    for table, (columns, writer) in TABLES.items():
        op.add_column(table, sa.Column('language', sa.String(length=8), server_default='ko', nullable=False))
        _backfill(connection, table, columns, writer)


def downgrade():
    for table in reversed(list(TABLES)):
        op.drop_column(table, 'language')
