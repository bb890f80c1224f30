"""Korean-aware text matching: search tokens and similar-idea scores.

Why character bigrams. Korean attaches particles and endings to words
(공원, 공원에, 공원이, 공원을), so splitting on spaces makes the same word look
different, and a morphological analyser (for example a Mecab-based tokenizer)
would add a native dependency and a dictionary to every install. Overlapping
two-character pieces of each word match a Korean stem whatever is attached
to it, work the same for English and numbers, and cost nothing to compute.
Trigrams, the usual choice for Latin text, fail here: the most common Korean
nouns have two syllables (공원, 주차, 버스), too short to make a trigram.

Search indexes the bigrams with each database's own full-text engine (FTS5 on
SQLite, a GIN tsvector index on PostgreSQL), so no query scans the table with
LIKE. Similar ideas are scored by the cosine of weighted bigram sets, each
bigram weighted by how rare it is among the round's ideas, so shared endings
such as 합니다 count for little and shared subjects for a lot; the cosine,
unlike a plain overlap ratio, does not punish a long idea for saying more.
"""
from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter

# Letters and digits of any script (Hangul syllables included); everything else separates words.
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
MAX_QUERY_WORDS = 8


def words(text: str | None) -> list[str]:
    if not text:
        return []
    # NFKC composes Hangul typed as separate jamo and folds full-width letters.
    return [w.lower() for w in _WORD.findall(unicodedata.normalize("NFKC", text))]


def word_bigrams(word: str) -> list[str]:
    if len(word) < 2:
        return [word] if word else []
    return [word[i : i + 2] for i in range(len(word) - 1)]


def search_text(*parts: str | None) -> str:
    """The token stream the full-text index stores: each word's bigrams, in order."""
    return " ".join(" ".join(word_bigrams(w)) for part in parts for w in words(part))


def query_terms(query: str | None) -> list[list[str]]:
    """Each query word as the bigram phrase that must appear (a one-letter word matches as a prefix)."""
    seen, terms = set(), []
    for word in words(query)[:MAX_QUERY_WORDS]:
        if word not in seen:
            seen.add(word)
            terms.append(word_bigrams(word))
    return terms


def sqlite_match_expression(terms: list[list[str]]) -> str:
    """FTS5 syntax: every word's bigrams as a phrase, words ANDed."""
    parts = []
    for bigrams in terms:
        if len(bigrams) == 1 and len(bigrams[0]) == 1:
            parts.append(f'"{bigrams[0]}"*')
        else:
            parts.append('"' + " ".join(bigrams) + '"')
    return " AND ".join(parts)


def postgres_tsquery(terms: list[list[str]]) -> str:
    """to_tsquery syntax for the same meaning: phrases with <->, words with &."""
    parts = []
    for bigrams in terms:
        if len(bigrams) == 1 and len(bigrams[0]) == 1:
            parts.append(f"{bigrams[0]}:*")
        else:
            parts.append("(" + " <-> ".join(bigrams) + ")")
    return " & ".join(parts)


# --- similar ideas ---------------------------------------------------------

SIMILARITY_THRESHOLD = 0.2
BODY_CHARS = 600


def fingerprint(title: str | None, body: str | None = "") -> frozenset[str]:
    """Bigrams of title and the start of the body; title bigrams also count a second time, marked."""
    title_grams = {g for w in words(title) for g in word_bigrams(w)}
    body_grams = {g for w in words((body or "")[:BODY_CHARS]) for g in word_bigrams(w)}
    return frozenset(title_grams | body_grams | {"t:" + g for g in title_grams})


def rank_similar(draft: frozenset[str], candidates: list[tuple[int, frozenset[str]]], limit: int = 5) -> list[tuple[int, float]]:
    """The `limit` candidates most like the draft, as (id, score) with score in 0..1, best first."""
    if not draft or not candidates:
        return []
    document_frequency = Counter(g for _id, grams in candidates for g in grams)
    total = len(candidates) + 1

    def weight(gram: str) -> float:
        return math.log(1 + total / (1 + document_frequency[gram]))

    def norm(grams: frozenset[str]) -> float:
        return math.sqrt(sum(weight(g) ** 2 for g in grams))

    draft_norm = norm(draft)
    scored = []
    for idea_id, grams in candidates:
        shared = draft & grams
        if not shared:
            continue
        score = sum(weight(g) ** 2 for g in shared) / (draft_norm * norm(grams))
        if score >= SIMILARITY_THRESHOLD:
            scored.append((idea_id, round(score, 3)))
    scored.sort(key=lambda pair: (-pair[1], pair[0]))
    return scored[:limit]
