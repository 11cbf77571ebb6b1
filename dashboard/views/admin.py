"""Admin: user accounts (add, change role, reset password, remove, API tokens) and the audit log with filters."""
import datetime as dt

import pandas as pd
import streamlit as st

from analysis import audit as audit_log
from analysis.errors import ShoplensError
from analysis.users import ROLES, UserStore
from dashboard import auth, state

me = auth.require_role("admin")
st.title("Admin")
users = UserStore()


def _done(message: str, secret: str | None = None) -> None:
    """Keep the outcome (and a one-time secret) for the next run, which redraws the user table."""
    st.session_state["admin_done"] = (message, secret)
    st.rerun()


st.subheader("Users")
if st.session_state.get("admin_done"):
    message, secret = st.session_state.pop("admin_done")
    st.success(message)
    if secret:
        st.code(secret, language=None)
        st.caption("Shown once: pass it on privately. It must be changed at first sign-in.")
table = pd.DataFrame(users.list())
st.dataframe(table, hide_index=True, width="stretch", key="admin_users",
             column_config={"must_change": st.column_config.CheckboxColumn("must change password")})
names = table["username"].tolist() if not table.empty else []

add, change = st.columns(2)
with add.form("admin_add_user", clear_on_submit=True):
    st.markdown("**Add a user**")
    new_name = st.text_input("User name (or e-mail address for OIDC sign-in)", key="admin_new_name")
    new_role = st.selectbox("Role", ROLES, key="admin_new_role")
    new_kind = st.radio("Signs in with", ["local", "oidc"], horizontal=True, key="admin_new_kind",
                        format_func={"local": "password (one-time, shown once)", "oidc": "OIDC provider"}.get)
    if st.form_submit_button("Add user", key="admin_add"):
        try:
            pw = users.add(new_name.strip(), new_role, auth=new_kind)
        except ShoplensError as exc:
            st.error(str(exc))
        else:
            auth.audit("user_added", new_name.strip(), {"role": new_role, "auth": new_kind})
            _done(f"Added {new_name.strip()} ({new_role}).", pw)

with change:
    st.markdown("**Change a user**")
    who = st.selectbox("User", names, key="admin_pick")
    c1, c2 = st.columns(2)
    role = c1.selectbox("Role", ROLES, key="admin_role",
                        index=ROLES.index(table.set_index("username").at[who, "role"]) if who else 0)
    if c2.button("Change role", key="admin_set_role", disabled=not who):
        try:
            users.set_role(who, role)
        except ShoplensError as exc:
            st.error(str(exc))
        else:
            auth.audit("role_changed", who, {"role": role})
            _done(f"{who} is now {role}.")
    c1, c2 = st.columns(2)
    if c1.button("Reset password", key="admin_reset", disabled=not who):
        try:
            pw = users.reset_password(who)
        except ShoplensError as exc:
            st.error(str(exc))
        else:
            auth.audit("password_reset", who, {})
            _done(f"New one-time password for {who}:", pw)
    if c2.button("Remove user", key="admin_remove", disabled=not who or who == me["username"]):
        try:
            users.remove(who)
        except ShoplensError as exc:
            st.error(str(exc))
        else:
            auth.audit("user_removed", who, {})
            _done(f"Removed {who}.")

tokens = users.tokens()
if tokens:
    with st.expander(f"API tokens for the command line ({len(tokens)})"):
        st.dataframe(tokens, hide_index=True, width="stretch")
        tid = st.selectbox("Token", [t["id"] for t in tokens], key="admin_token_pick")
        if st.button("Revoke token", key="admin_revoke"):
            users.revoke_token(tid)
            auth.audit("token_revoked", tid, {})
            _done(f"Revoked token {tid}.")

st.subheader("Audit log")
con = state.cursor()
f1, f2, f3, f4 = st.columns([2, 2, 2, 2])
acts = f1.multiselect("Action", audit_log.actions(con), key="audit_actions")
people = f2.multiselect("Who", audit_log.people(con), key="audit_who")
today = dt.date.today()
span = f3.date_input("Between", value=(today - dt.timedelta(days=30), today), key="audit_span")
text = f4.text_input("Target or details contain", key="audit_text")
since, until = span if isinstance(span, tuple) and len(span) == 2 else (None, None)
log = audit_log.query(con, acts, people, since, until, text.strip(), limit=2000)
st.caption(f"{len(log):,} entries (newest first, at most 2,000)")
st.dataframe(log, hide_index=True, width="stretch", key="audit_table",
             column_config={"at": st.column_config.DatetimeColumn("at", format="YYYY-MM-DD HH:mm:ss"),
                            "details": st.column_config.TextColumn("details", width="large")})
filters = {"actions": acts, "who": people, "since": since, "until": until, "text": text.strip()}
auth.export_button("Export these entries (CSV)", auth.csv_with_provenance(log, "audit log", filters),
                   file_name=f"audit_log_{today}.csv", what="audit log", filters=filters, rows=len(log),
                   key="audit_export")
