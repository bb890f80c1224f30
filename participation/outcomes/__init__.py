"""Round outcomes: closing a round exactly once, the frozen tally, and publishing it with the administration's answers."""
