"""Calendar and checklist rules of planned work (PM intervals, patrol schedules, check-ins):
pure, below the live store so its repositories and the services share them."""
