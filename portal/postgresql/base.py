"""The PostgreSQL backend of the portal: django-prometheus's wrapper of Django's, with the health
check of a kept connection done without a round trip while the connection is quiet.

With ``CONN_HEALTH_CHECKS`` Django sends ``SELECT 1`` before the first query of every request
that reuses a connection, so that a connection the server closed (a restart, a failover, a
pooler's recycling) is replaced instead of failing the request. In the deadline rush that is one
more round trip between a web process and a PostgreSQL backend on every request. A server that
ends a connection says so on its socket: it sends its termination notice and closes it, and both
make the socket readable. So the check first asks the kernel, without waiting, whether anything
has arrived on an idle connection: nothing has, and the connection is used as it is; something
has (or the socket is gone), and Django's own ``SELECT 1`` decides, closing the connection if it
fails. A connection cut without a word (a network partition) is caught as before by the error of
its first query: that request gets the 503 "try again" page and Django closes the connection at
the end of it (``close_if_unusable_or_obsolete``, which keeps the full check).
"""

import select

from django_prometheus.db.backends.postgresql import base


def socket_quiet(connection) -> bool:
    """True when nothing is waiting to be read on ``connection`` (a psycopg2 connection, idle
    between requests): the server has neither closed it nor sent a notice."""
    if connection.closed:
        return False
    # poll, not select: select refuses descriptors above 1,024, which a busy process may hold.
    # A closed or failed socket is reported too (POLLHUP, POLLERR), whatever was asked.
    poller = select.poll()
    try:
        poller.register(connection.fileno(), select.POLLIN)
    except (OSError, ValueError):
        return False
    return not poller.poll(0)


class DatabaseWrapper(base.DatabaseWrapper):
    def close_if_health_check_failed(self):
        if (self.connection is not None and self.health_check_enabled
                and not self.health_check_done and socket_quiet(self.connection)):
            self.health_check_done = True
            return
        super().close_if_health_check_failed()
