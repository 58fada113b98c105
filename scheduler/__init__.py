"""The clock: scheduled reminders written to the outbox, run by one clock process.

`scheduler.calendar` knows working days, `scheduler.triggers` when each job fires,
`scheduler.jobs` what each job writes, and `scheduler.clock` runs them (APScheduler, or
`run_due_jobs` for one instant).
"""
