"""Official responses (공식 답변): response clocks, answers and their public revisions, implementation progress."""
