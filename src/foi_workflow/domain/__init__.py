"""The pure domain: case rules, rule packs and the statutory clock (no Prefect, ORM or I/O)."""
