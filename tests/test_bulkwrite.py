"""storage/bulkwrite: the set-wise insert stores exactly what SQLAlchemy's insert stores."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Session

from foi_workflow.storage.bulkwrite import insert_rows


def _table(metadata: sa.MetaData, name: str) -> sa.Table:
    return sa.Table(name, metadata,
                    sa.Column("id", sa.Integer, primary_key=True),
                    sa.Column("on", sa.Date, nullable=True),
                    sa.Column("at", sa.DateTime(timezone=True), nullable=True),
                    sa.Column("data", sa.JSON, nullable=True),
                    sa.Column("flag", sa.Boolean, nullable=False, default=False),
                    sa.Column("note", sa.String(20), nullable=False, default=""),
                    sa.Column("count", sa.Integer, nullable=False, default=0))


ROWS = [
    {"id": 1, "on": dt.date(2026, 3, 2), "at": dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.timezone.utc),
     "data": {"reasons": "过程性信息", "days": 10}, "flag": True},
    {"id": 2, "on": None, "at": None, "data": None, "flag": False},
    {"id": 3, "on": dt.date(2027, 1, 18), "at": dt.datetime(2026, 12, 31, 23, 59, 59, 123456),
     "data": [1, "二"], "flag": True},
]


def test_bulk_rows_on_sqlite_are_stored_as_sqlalchemys_insert_stores_them(tmp_path):
    """Dates, times, JSON, booleans, NULLs and the columns' defaults: the same stored values."""
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'w.sqlite3'}")
    metadata = sa.MetaData()
    ours, theirs = _table(metadata, "ours"), _table(metadata, "theirs")
    metadata.create_all(engine)
    with Session(engine) as session, session.begin():
        insert_rows(session, ours, ROWS)
        session.execute(sa.insert(theirs), ROWS)
    with engine.connect() as conn:
        raw = [conn.exec_driver_sql(f"SELECT * FROM {t} ORDER BY id").all() for t in ("ours", "theirs")]
        typed = [conn.execute(sa.select(t).order_by(t.c.id)).all() for t in (ours, theirs)]
    assert raw[0] == raw[1]  # the stored bytes
    assert typed[0] == typed[1] and typed[0][1].note == "" and typed[0][0].data["days"] == 10
    engine.dispose()


def test_a_column_left_out_with_a_callable_default_takes_sqlalchemys_insert(tmp_path):
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'w.sqlite3'}")
    metadata = sa.MetaData()
    t = sa.Table("t", metadata, sa.Column("id", sa.Integer, primary_key=True),
                 sa.Column("made", sa.String(10), default=lambda: "callable"))
    metadata.create_all(engine)
    with Session(engine) as session, session.begin():
        insert_rows(session, t, [{"id": 1}, {"id": 2}])
    with engine.connect() as conn:
        assert conn.execute(sa.select(t.c.made)).scalars().all() == ["callable", "callable"]
    engine.dispose()
