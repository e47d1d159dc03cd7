"""Exports of the manager's and finance officer's lists as CSV and XLSX.

``registry``: one definition per export (name, title, permission, rows scoped to the user,
columns), written in ``definitions`` (applications to activities), ``definitions_kpis``,
``definitions_evaluation`` and ``definitions_payments``, all loaded by ``catalogue``;
``writers``: the CSV stream and the XLSX file, every text cell through the formula guard of
``reporting.csv_export``; ``services``: the large exports, built by a task into private storage
for the person who asked; ``views``: ``/manage/exports/<name>.<csv|xlsx>`` and the person's list
of exports.
"""
