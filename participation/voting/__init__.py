"""Voting: supports for ideas under per-round allowances, the vote counter cache, response tiers reached."""
