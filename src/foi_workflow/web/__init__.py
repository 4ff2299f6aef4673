"""The staff workbench: server-rendered pages and a JSON API over the same services (docs/web.md).

Never imports Prefect: every page calls services/views.py, services/cases.py, services/auth.py
and services/accounts.py, as the CLI does.
"""
