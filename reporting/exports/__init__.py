"""Exports of the manager's and finance officer's lists as CSV and XLSX.

``registry``: one definition per export (name, title, permission, rows scoped to the user,
columns); ``writers``: the CSV stream and the XLSX file, every text cell through the formula
guard of ``reporting.csv_export``; ``services``: the large exports, built by a task into private
storage for the person who asked; ``views``: ``/manage/exports/<name>.<csv|xlsx>`` and the
person's list of exports.
"""
