"""Bulk-load a benchmark dataset: users, one round in its voting window, ideas and votes.

Rows go in with the database driver's bulk paths (executemany in one
transaction on SQLite, COPY on PostgreSQL), not through the services, so that
a million votes load in seconds. The counters are computed from the generated
rows, so the data starts consistent and the run can check it stays so.
"""
from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher

from participation.ideas.text import search_text

PASSWORD = "bench-password-2026"
WORDS = ["공원", "벤치", "그늘막", "버스", "정류장", "가로등", "자전거", "도로", "주차", "어린이", "놀이터", "도서관",
         "경로당", "횡단보도", "신호등", "쓰레기", "분리수거", "산책로", "화장실", "안전", "골목", "소음", "나무", "빗물"]
VERBS = ["설치해 주세요", "늘려 주세요", "고쳐 주세요", "개선해 주세요", "만들어 주세요", "정비해 주세요"]


@dataclass
class Dataset:
    users: int
    ideas: int
    votes_per_user: int
    round_id: int = 1
    # The initial votes of the users the benchmark signs in, to avoid voting twice on purpose.
    sample_votes: dict[int, set[int]] = field(default_factory=dict)
    total_votes: int = 0
    load_seconds: float = 0.0


def _rows(spec: Dataset, sample_users: int, seed: int = 2027):
    rng = random.Random(seed)
    now = datetime.now(UTC)
    password_hash = PasswordHasher().hash(PASSWORD)
    users = [
        (n, f"bench{n}@bench.gongron.kr", f"주민{n}", password_hash, now, now)
        for n in range(1, spec.users + 1)
    ]
    roles = [(n, "resident", now) for n in range(1, spec.users + 1)]
    counts = [0] * (spec.ideas + 1)
    votes = []
    for user_id in range(1, spec.users + 1):
        chosen = set()
        while len(chosen) < spec.votes_per_user:
            # Skewed: a few ideas draw most support, as on a real platform.
            chosen.add(int(spec.ideas * rng.random() ** 3) + 1)
        for idea_id in chosen:
            counts[idea_id] += 1
            votes.append((idea_id, user_id, spec.round_id, now))
        if user_id <= sample_users:
            spec.sample_votes[user_id] = chosen
    spec.total_votes = len(votes)
    ideas = []
    for idea_id in range(1, spec.ideas + 1):
        title = f"{rng.choice(WORDS)} {rng.choice(WORDS)} {rng.choice(VERBS)} {idea_id}"
        body = f"{rng.choice(WORDS)} 문제가 있습니다. {rng.choice(WORDS)} 쪽을 {rng.choice(VERBS)}."
        ideas.append((
            idea_id, spec.round_id, rng.randrange(1, spec.users + 1), title, body, 1 + idea_id % 5, "published",
            counts[idea_id], 0, search_text(title, body), now - timedelta(minutes=idea_id % 50_000), now,
        ))
    return users, roles, ideas, votes, now


def _round_row(spec: Dataset, now: datetime):
    day = timedelta(days=1)
    return (spec.round_id, "벤치마크 회차", "부하 측정용 회차", 1, now - 30 * day, now - 10 * day, now - 2 * day, now + 30 * day,
            None, "first_tier", 0, False, True, now - 40 * day, now, now)


IDEA_COLUMNS = ("id, round_id, author_id, title, body, category_id, status, vote_count, comment_count, search_text, "
                "created_at, updated_at")
ROUND_COLUMNS = ("id, title, description, department_id, submission_opens_at, submission_closes_at, voting_opens_at, "
                 "voting_closes_at, votes_per_resident, selection_rule, publish_delay_hours, voting_requires_verification, "
                 "allow_author_votes, scheduled_at, created_at, updated_at")


def load(database_url: str, spec: Dataset, sample_users: int) -> Dataset:
    started = time.perf_counter()
    users, roles, ideas, votes, now = _rows(spec, sample_users)
    if database_url.startswith("sqlite:///"):
        _load_sqlite(database_url.removeprefix("sqlite:///"), spec, users, roles, ideas, votes, now)
    else:
        _load_postgres(database_url, spec, users, roles, ideas, votes, now)
    spec.load_seconds = time.perf_counter() - started
    return spec


def _reference_rows(now):
    department = (1, "벤치마크과", "Benchmark Division", now)
    categories = [(n, f"분야{n}", f"Category {n}", 1, now) for n in range(1, 6)]
    return department, categories


def _load_sqlite(path, spec, users, roles, ideas, votes, now):
    import sqlite3

    def ts(value):
        return value.replace(tzinfo=None).isoformat(sep=" ")

    connection = sqlite3.connect(path)
    connection.execute("PRAGMA synchronous=OFF")
    department, categories = _reference_rows(now)
    with connection:
        connection.execute("INSERT INTO departments (id, name_ko, name_en, created_at) VALUES (?, ?, ?, ?)",
                           (*department[:3], ts(department[3])))
        connection.executemany("INSERT INTO categories (id, name_ko, name_en, department_id, created_at) VALUES (?, ?, ?, ?, ?)",
                               [(*c[:4], ts(c[4])) for c in categories])
        connection.executemany(
            "INSERT INTO users (id, email, display_name, password_hash, privacy_consented_at, created_at) VALUES (?, ?, ?, ?, ?, ?)",
            [(*u[:4], ts(u[4]), ts(u[5])) for u in users],
        )
        connection.executemany("INSERT INTO user_roles (user_id, role, granted_at) VALUES (?, ?, ?)",
                               [(r[0], r[1], ts(r[2])) for r in roles])
        row = _round_row(spec, now)
        connection.execute(f"INSERT INTO rounds ({ROUND_COLUMNS}) VALUES ({', '.join('?' * len(row))})",
                           [ts(v) if isinstance(v, datetime) else v for v in row])
        connection.executemany("INSERT INTO round_categories (round_id, category_id) VALUES (?, ?)",
                               [(spec.round_id, c[0]) for c in categories])
        connection.executemany(f"INSERT INTO ideas ({IDEA_COLUMNS}) VALUES ({', '.join('?' * 12)})",
                               [(*i[:10], ts(i[10]), ts(i[11])) for i in ideas])
        connection.executemany("INSERT INTO votes (idea_id, user_id, round_id, created_at) VALUES (?, ?, ?, ?)",
                               [(v[0], v[1], v[2], ts(v[3])) for v in votes])
    connection.execute("ANALYZE")
    connection.close()


def _load_postgres(url, spec, users, roles, ideas, votes, now):
    import psycopg

    department, categories = _reference_rows(now)
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as connection:
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO departments (id, name_ko, name_en, created_at) VALUES (%s, %s, %s, %s)", department)
            cursor.executemany("INSERT INTO categories (id, name_ko, name_en, department_id, created_at) VALUES (%s, %s, %s, %s, %s)",
                               categories)
            with cursor.copy("COPY users (id, email, display_name, password_hash, privacy_consented_at, created_at) FROM STDIN") as copy:
                for user in users:
                    copy.write_row(user)
            with cursor.copy("COPY user_roles (user_id, role, granted_at) FROM STDIN") as copy:
                for role in roles:
                    copy.write_row(role)
            row = _round_row(spec, now)
            cursor.execute(f"INSERT INTO rounds ({ROUND_COLUMNS}) VALUES ({', '.join(['%s'] * len(row))})", row)
            cursor.executemany("INSERT INTO round_categories (round_id, category_id) VALUES (%s, %s)",
                               [(spec.round_id, c[0]) for c in categories])
            with cursor.copy(f"COPY ideas ({IDEA_COLUMNS}) FROM STDIN") as copy:
                for idea in ideas:
                    copy.write_row(idea)
            with cursor.copy("COPY votes (idea_id, user_id, round_id, created_at) FROM STDIN") as copy:
                for vote in votes:
                    copy.write_row(vote)
            for table in ("departments", "categories", "users", "rounds", "ideas", "votes"):
                cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        connection.commit()
        connection.autocommit = True
        connection.execute("VACUUM ANALYZE")
