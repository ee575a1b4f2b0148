"""Work at a time: every periodic job in one place, run by the worker or once by ``flask jobs run-due``.

``registry`` holds the Job type and the loop; ``catalog`` lists the jobs (the outbox, rendering
broadcasts, pruning sent messages, the retention purge); ``cli`` the commands. Every job finds its
due work in the database and claims or locks each unit, so it is idempotent and several workers
may run at once. See docs/deployment.md ("The worker") for why this is not Celery.
"""
