"""Deliberation (숙의): generic discussion threads, comment votes, flags and moderation."""
