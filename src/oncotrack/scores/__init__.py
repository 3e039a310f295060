"""Clinical scores: liver reserve, CTCAE lab grades, staging and eligibility rules."""
