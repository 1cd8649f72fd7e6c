"""Database behaviour the services rely on, the same on SQLite and PostgreSQL.

* SQLite runs in WAL mode with foreign keys on, and a write transaction starts
  with ``BEGIN IMMEDIATE`` so that writers queue for the lock instead of
  failing when they upgrade from reading.
* ``current_txid()`` is the writing transaction's id on PostgreSQL (0 on
  SQLite, where writers are serialised), used to order the sync change log,
  and ``unfinished_txids()`` tells which transactions a snapshot cannot see yet.
"""

import sqlalchemy as sa
import sqlalchemy.orm as so
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement

WRITE_OPTION = "fieldloop_write"


class current_txid(FunctionElement):
    type = sa.BigInteger()
    inherit_cache = True


@compiles(current_txid, "postgresql")
def _pg_current_txid(element, compiler, **kw):
    return "(pg_current_xact_id()::text::bigint)"


@compiles(current_txid)
def _default_current_txid(element, compiler, **kw):
    return "0"


def configure_engine(engine: sa.Engine) -> None:
    if engine.dialect.name != "sqlite":
        return

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, connection_record):
        # Let SQLAlchemy, not the driver, decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(conn):
        immediate = conn.get_execution_options().get(WRITE_OPTION)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def _plain(session) -> so.Session:
    return session() if isinstance(session, so.scoped_session) else session


def begin_write(session: so.Session) -> None:
    """Start a fresh transaction that will write.

    Whatever the session read so far is committed first (it wrote nothing),
    so the write transaction starts with the lock on SQLite.
    """
    session = _plain(session)
    if session.in_transaction():
        session.commit()
    session.connection(execution_options={WRITE_OPTION: True})


def begin_snapshot_read(session: so.Session) -> None:
    """Start a fresh read-only transaction that sees one snapshot throughout."""
    session = _plain(session)
    if session.in_transaction():
        session.commit()
    if session.get_bind().dialect.name == "postgresql":
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    else:
        session.connection()


def unfinished_txids(session: so.Session) -> frozenset[int]:
    """Ids of the transactions still in progress in this transaction's snapshot.

    Must be the first statement of the snapshot (begin_snapshot_read), so that it
    describes the snapshot every later read of the transaction sees. Empty on
    SQLite, whose writers are serialised.
    """
    if session.get_bind().dialect.name != "postgresql":
        return frozenset()
    return frozenset(session.scalars(sa.text("SELECT pg_snapshot_xip(pg_current_snapshot())::text::bigint")))


def insert_rows(objects: list) -> list[dict]:
    """The rows the ORM would INSERT for these new objects of one class, for one multi-row INSERT.

    Each row has the attributes set on the object, its many-to-one relationships
    as foreign keys, and the Python-side column defaults of what is not set. A
    column no object sets and without a default is left out, as the ORM leaves
    it out (the database stores NULL); one that only some objects set is None
    in the others, so that every row has the same columns (refused for a column
    with a database default, or JSON, where None would not mean the same).
    """
    rows = [_insert_values(obj) for obj in objects]
    if not rows:
        return rows
    columns = set().union(*rows)
    table = sa.inspect(objects[0]).mapper.local_table
    for row in rows:
        for column in columns.difference(row) if len(row) != len(columns) else ():
            if table.c[column].server_default is not None or isinstance(table.c[column].type, sa.JSON):
                # None would replace the database's default, or be stored as JSON null.
                raise ValueError(f"Set {column} on every object or on none.")
            row[column] = None
    return rows


def _insert_values(obj) -> dict:
    mapper = sa.inspect(obj).mapper
    state = obj.__dict__
    values = {}
    for prop in mapper.column_attrs:
        column = prop.columns[0]
        default = column.default
        if prop.key in state:
            values[column.key] = state[prop.key]
        elif default is None:
            continue  # the database's NULL, or its own default
        elif default.is_scalar:
            values[column.key] = default.arg
        elif default.is_callable:
            values[column.key] = default.arg(None)
    for relationship in mapper.relationships:
        if relationship.direction is so.interfaces.MANYTOONE and relationship.key in state:
            related = state[relationship.key]
            for local, remote in relationship.local_remote_pairs:
                values[local.key] = None if related is None else getattr(related, remote.key)
    return values


def render_migration_type(type_, obj, autogen_context):
    """Write our column types in migrations as the plain SQLAlchemy types they store as."""
    from server.models.types import UtcDateTime

    if type_ == "type" and isinstance(obj, UtcDateTime):
        return "sa.DateTime(timezone=True)"
    return False
