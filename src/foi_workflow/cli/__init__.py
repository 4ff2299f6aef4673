"""The `foi` command line for staff (Chinese by default, --json on reads)."""
