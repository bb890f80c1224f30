"""Participation rounds (공모 회차): their windows, rules, response tiers and phase."""
