"""Several hosts over one PostgreSQL database: procrastinate queues, phone locks, janitor.

See docs/hosts.md. Nothing here is imported unless a ``postgresql://`` state is given.
"""
