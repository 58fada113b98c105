"""The clock's machinery, knowing no feature and nothing of bot/.

`scheduler.calendar` knows working days, `scheduler.triggers` when a job fires (from the
settings), `scheduler.registry` how features declare their jobs (Reminders, ClockJob),
`scheduler.bulk` how a job writes many outbox rows at once, and `scheduler.clock` runs the jobs
it is handed (APScheduler, or `run_due_jobs` for one instant).
"""
