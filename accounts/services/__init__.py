"""Every write of accounts: erasure of a person's account and the retention of accounts
(``erasure``), the export of a person's data (``export``)."""
