"""Core: shared model types, time, sanitizing, audit log, permissions helpers and signals."""
