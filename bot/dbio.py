"""The one I/O policy of bot/: database calls never run on the event loop. They run on the
database's own threads (one for SQLite, a few for PostgreSQL), the same policy and the same
threads as the API's in-process calls: see feedback_api.pool.
"""

from feedback_api.pool import run

__all__ = ["run"]
