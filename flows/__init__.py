"""Prefect flows and deployment entry points (the case-step flows arrive with the cases issue)."""
