"""Quality checks: listening back to a bulletin with speech recognition."""
