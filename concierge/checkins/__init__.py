"""Daily check-ins with elderly residents: plans, the day's rounds, the board."""
