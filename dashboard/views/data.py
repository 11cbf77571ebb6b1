"""Data: upload an export, check the column mapping and validation report, then load it; see what was loaded."""
import logging
import tempfile
from pathlib import Path

import streamlit as st

from analysis import ingest, schema, shop
from analysis.errors import ShoplensError
from dashboard import auth, shop_ui, state

auth.require_role("analyst")
st.title("Data")
path = state.db_path()

st.subheader("Upload")
table = st.selectbox("What does the file contain?", list(schema.LOADABLE), key="upload_table",
                     format_func=lambda t: {"orders": "Orders (one row per order line)", "reviews": "Customer reviews",
                                            "customers": "Customers", "products": "Products"}[t])
upload = st.file_uploader("CSV, XLSX or Parquet export", type=["csv", "txt", "tsv", "gz", "xlsx", "parquet"],
                          key="upload_file")
demo = shop_ui.settings()["demo"]
if any(demo.values()):  # loading into the demo: the user must choose, with what each choice does spelled out
    other = "reviews" if table == "orders" else "orders"
    mode = st.radio(
        f"The database still holds the demo shop ({shop.describe_demo(demo)}). What should this file do?",
        ["replace", "append"], index=None, key="upload_mode_demo",
        format_func={"replace": f"Replace: swap the whole {table} table for this file",
                     "append": "Append: add this file to the demo's rows"}.get,
        captions=[f"The demo's {table} go; the demo's {other} stay until an admin runs Start my shop (Shop settings).",
                  "Every figure then mixes your shop with the demo (other years, another currency, other products)."])
    st.caption("To remove every demo row first, an admin uses **Start my shop** in Shop settings.")
else:
    mode = st.radio("Mode", ["append", "replace"], horizontal=True, key="upload_mode",
                    help="append adds rows (rows already stored are reported as duplicates); replace swaps the whole "
                         "table")


def _saved(upload) -> Path:
    """Streamlit hands us bytes; ingest reads files, so keep one temp copy per uploaded file id."""
    key = f"tmp_{upload.file_id}"
    if key not in st.session_state:
        tmp = Path(tempfile.mkdtemp()) / Path(upload.name).name
        tmp.write_bytes(upload.getvalue())
        st.session_state[key] = str(tmp)
    return Path(st.session_state[key])


def _show_refusal(exc: Exception, name: str) -> None:
    """One line on the page, never a traceback: a refusal says what and how to fix it; anything unforeseen is named
    by its type only (its text may hold server paths) and logged in full for the operator."""
    if isinstance(exc, ShoplensError):
        st.error(str(exc))
    else:
        logging.getLogger(__name__).exception("upload %r failed", name)
        st.error(f"{name} could not be read ({type(exc).__name__}). Fix: export it again as CSV UTF-8; if that fails "
                 "too, send the file to your Shoplens administrator (the server log has the details)")
    st.stop()


if upload is not None:
    file_path = _saved(upload)
    try:
        pv = ingest.preview(state.cursor(), table, file_path, display_name=upload.name)
    except Exception as exc:
        _show_refusal(exc, upload.name)
    st.caption(f"{pv.file_format.upper()} · {len(pv.headers)} columns" + (" · " + "; ".join(pv.notes) if pv.notes else ""))
    st.dataframe(pv.sample, hide_index=True, width="stretch")
    st.markdown("**Column mapping** — Shoplens suggested these from the headers; change any that are wrong.")
    options = ["(not in file)"] + pv.headers
    chosen: dict[str, str] = {}
    cols = st.columns(4)
    for i, col in enumerate(schema.LOADABLE[table]):
        default = pv.suggested.get(col.name)
        # keyed per file: a choice made for the file before (e.g. an orders file shown as reviews while the type
        # was switched) must not stick to the next file, whose own headers give the suggestion
        pick = cols[i % 4].selectbox(col.name, options, index=options.index(default) if default in options else 0,
                                     key=f"map_{table}_{upload.file_id}_{col.name}")
        chosen[col.name] = "" if pick == options[0] else pick
    if table == "orders":
        auto_keep = not chosen.get("order_id")
        dup_choice = st.radio(
            "Identical lines", ["auto", "keep", "reject"], horizontal=True, key="upload_duplicates",
            format_func={"auto": f"auto ({'keep' if auto_keep else 'reject'}: the file "
                                 f"{'has no' if auto_keep else 'has an'} order id column)",
                         "keep": "keep (repeat purchases)", "reject": "reject all but the first"}.get,
            help="Without order ids, two identical lines are usually the same thing bought twice at the same time; "
                 "with order ids, an identical line is the same order line repeated by mistake.")
    else:
        dup_choice = "auto"
    check, load = st.columns(2)
    do_check = check.button("Check file (nothing is stored)", width="stretch")
    do_load = load.button(f"Load into {table}", type="primary", width="stretch", key="load_button",
                          disabled=mode is None, help="Choose replace or append above first" if mode is None else None)
    if do_check or do_load:
        try:
            with st.status("Validating…" if do_check else "Loading…", expanded=False) as status:
                with state.write_lock():
                    report = ingest.load_file(state.cursor(), table, file_path, mode=mode or "append", overrides=chosen,
                                              who=auth.username(), display_name=upload.name, dry_run=do_check, db_path=path,
                                              duplicates=dup_choice)
                status.update(label="Checked" if do_check else "Loaded", state="complete")
        except Exception as exc:
            _show_refusal(exc, upload.name)
        if not do_check:
            state.invalidate()
        verb = "would be stored" if do_check else "stored"
        msg = (f"{report.rows_in:,} rows read · **{report.accepted:,} {verb}** · {report.rejected:,} rejected "
               f"(rows read = stored + rejected)")
        (st.warning if report.rejected else st.success)(msg)
        for n in report.notes:
            st.caption(n)
        if report.sample_rejects:
            st.markdown("**Rejected rows** (first 200)")
            st.dataframe(report.sample_rejects, hide_index=True, width="stretch",
                         column_config={"line": st.column_config.NumberColumn("line", format="%d", width="small"),
                                        "column": st.column_config.TextColumn("column", width="small"),
                                        # the reason says what to fix: wide enough to read without opening the cell
                                        "reason": st.column_config.TextColumn("reason", width=520),
                                        "raw": st.column_config.TextColumn("raw values", width="large")})
        if report.rejects_file:
            auth.export_button("Download the full rejects report (CSV)", Path(report.rejects_file).read_bytes(),
                               file_name=Path(report.rejects_file).name, what="rejects", key="upload_rejects",
                               filters={"table": table, "file": upload.name}, rows=report.rejected)

left, right = st.columns([1, 2])
with left:
    st.subheader("Tables")
    counts = state.table_counts(path)
    st.dataframe([{"table": k, "rows": v} for k, v in counts.items()], hide_index=True, width="stretch",
                 column_config={"rows": st.column_config.NumberColumn("rows", format="localized")})
with right:
    st.subheader("Load history")
    history = state.upload_history(path)
    if history.empty:
        st.caption("Nothing loaded yet.")
    else:
        st.dataframe(history, hide_index=True, width="stretch",  # what a person scans first, on the left
                     column_order=["at", "file_name", "demo", "table_name", "mode", "accepted", "rejected", "who",
                                   "rows_in", "file_format", "upload_id", "file_sha256"],
                     column_config={"at": st.column_config.DatetimeColumn("at", format="YYYY-MM-DD HH:mm"),
                                    "file_sha256": st.column_config.TextColumn("sha256", width="small"),
                                    "demo": st.column_config.CheckboxColumn("demo", help="the bundled demo shop's "
                                                                            "file (Start my shop removes its rows)")})
        with_rejects = history[history["rejected"] > 0]
        if not any(demo.values()) and "demo" in with_rejects:  # the demo's rows are gone: its rejects are not this
            with_rejects = with_rejects[~with_rejects["demo"].fillna(False).astype(bool)]  # shop's to look at
        if not with_rejects.empty:
            pick = st.selectbox("Rejects report of upload", with_rejects["upload_id"].tolist(), key="rejects_pick",
                                format_func=lambda u: f"#{u} · " + with_rejects.set_index("upload_id").loc[u, "file_name"]
                                + f" · {with_rejects.set_index('upload_id').loc[u, 'rejected']:,} rejected")
            rej = Path(with_rejects.set_index("upload_id").loc[pick, "rejects_file"] or "")
            if rej.is_file():
                auth.export_button("Download rejected rows (CSV)", rej.read_bytes(), file_name=rej.name,
                                   what="rejects", key="history_rejects", filters={"upload_id": pick},
                                   rows=int(with_rejects.set_index("upload_id").loc[pick, "rejected"]))
            else:
                st.caption(f"The report file {rej} is no longer on disk.")
