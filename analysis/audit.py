"""Reading the audit log (who signed in, uploaded, trained, exported, changed users): filtered, newest first."""
from __future__ import annotations

from datetime import date, datetime, time

import pandas as pd


def actions(con) -> list[str]:
    return [r[0] for r in con.execute("SELECT DISTINCT action FROM audit_log ORDER BY 1").fetchall()]


def people(con) -> list[str]:
    return [r[0] for r in con.execute("SELECT DISTINCT who FROM audit_log WHERE who IS NOT NULL ORDER BY 1").fetchall()]


def query(con, actions: list[str] | None = None, who: list[str] | None = None, since: date | None = None,
          until: date | None = None, text: str = "", limit: int = 1000) -> pd.DataFrame:
    """Rows of audit_log matching every filter given (all parameters bound, never formatted into the SQL)."""
    where, params = [], []
    if actions:
        where.append("list_contains(?, action)")
        params.append(list(actions))
    if who:
        where.append("list_contains(?, who)")
        params.append(list(who))
    if since:
        where.append('"at" >= ?')
        params.append(datetime.combine(since, time.min))
    if until:
        where.append('"at" <= ?')
        params.append(datetime.combine(until, time.max))
    if text:
        where.append("(contains(lower(target), lower(?)) OR contains(lower(CAST(details AS VARCHAR)), lower(?)))")
        params += [text, text]
    sql = 'SELECT "at", who, action, target, CAST(details AS VARCHAR) AS details FROM audit_log'
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += ' ORDER BY "at" DESC LIMIT ?'
    params.append(int(limit))
    return con.execute(sql, params).df()
