"""The audit trail page of the manager area (``/manage/audit/``): the entries of the
Euroclusters a manager manages (all of them for a superuser), filtered by person, object type,
object id, action and dates, paginated, and its CSV/XLSX export through the exports registry."""
