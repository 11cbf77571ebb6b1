"""Drafts out to the tools marketers send from: CSV, XLSX, JSON, Markdown, an HTML email and a .eml file per draft.

Drafts carry the corpus merge tag `{{ first_name }}`; every export rewrites it in the style the user picks
(MERGE_STYLES). `segment_customers_csv` gives the segment's customer list to send with a campaign.

CSV and XLSX go through analysis.export_safety: an offer such as `=HYPERLINK("http://evil.example","Claim")` passes
the copy checks (it is the offer, word for word) and must still reach the spreadsheet as text. JSON, Markdown, HTML
and .eml are left as written: they open in editors and mail clients, where a leading = is only a character, and an
apostrophe would change the copy that is sent.
"""
from __future__ import annotations

import html
import io
import json
import re
from email.message import EmailMessage

import pandas as pd

from analysis import export_safety

MERGE_TAG = "{{ first_name }}"
MERGE_STYLES = {"liquid": "{{ first_name }}", "mailchimp": "*|FNAME|*", "hubspot": "{{ contact.firstname }}",
                "klaviyo": "{{ first_name|default:'there' }}", "none": "there"}
COLUMNS = ["segment", "channel", "offer", "subject", "preheader", "body", "cta", "model_version", "checks_passed",
           "failed_checks"]


def merge(text: str | None, style: str = "liquid") -> str | None:
    if text is None:
        return None
    if style not in MERGE_STYLES:
        raise ValueError(f"unknown merge tag style {style!r}; use one of {', '.join(MERGE_STYLES)}")
    return text.replace(MERGE_TAG, MERGE_STYLES[style])


def rows(drafts: list[dict], style: str = "liquid") -> list[dict]:
    """Flat rows (one per draft) with the merge tag rewritten; checks summarised."""
    out = []
    for d in drafts:
        checks = d.get("checks") or {}
        r = {k: merge(d.get(k), style) if k in ("subject", "preheader", "body", "cta") else d.get(k)
             for k in COLUMNS[:8]}
        r["checks_passed"] = all(checks.values()) if checks else None
        r["failed_checks"] = "|".join(k for k, v in checks.items() if not v)
        out.append(r)
    return out


def frame(drafts: list[dict], style: str = "liquid") -> pd.DataFrame:
    """rows() as a table in COLUMNS order, what the spreadsheet formats are written from."""
    return pd.DataFrame(rows(drafts, style), columns=COLUMNS, dtype=object)


def to_csv(drafts: list[dict], style: str = "liquid") -> bytes:
    """Spreadsheet-safe CSV (export_safety), with a BOM so Excel reads £ and € right."""
    return export_safety.to_csv(frame(drafts, style)).encode("utf-8-sig")


def to_xlsx(drafts: list[dict], style: str = "liquid") -> bytes:
    """Spreadsheet-safe XLSX (export_safety): every text cell a string, never a formula."""
    buf = io.BytesIO()
    export_safety.to_xlsx(frame(drafts, style), buf, sheet_name="drafts")
    return buf.getvalue()


def to_json(drafts: list[dict], style: str = "liquid") -> bytes:
    out = [{**d, **{k: merge(d.get(k), style) for k in ("subject", "preheader", "body", "cta")}} for d in drafts]
    return json.dumps(out, indent=1, ensure_ascii=False).encode("utf-8")


def to_markdown(drafts: list[dict], style: str = "liquid") -> str:
    parts = []
    for i, d in enumerate(drafts, 1):
        r = rows([d], style)[0]
        parts.append(f"## Draft {i}: {r['channel']} for {r['segment'] or 'review reply'}")
        for k in ("subject", "preheader", "cta"):
            if r[k]:
                parts.append(f"**{k.capitalize()}:** {r[k]}  ")
        parts.append("")
        parts.append(r["body"] or "")
        parts.append("")
        parts.append(f"_Checks: {'all passed' if r['checks_passed'] else 'failed ' + r['failed_checks']}; "
                     f"model {r['model_version']}_")
        parts.append("")
    return "\n".join(parts)


def to_html_email(draft: dict, style: str = "liquid") -> str:
    """A plain, inline-styled HTML email: hidden preheader, paragraphs, one button-like call to action."""
    r = rows([draft], style)[0]
    paras = "".join(f'<p style="margin:0 0 14px">{html.escape(p).replace(chr(10), "<br>")}</p>'
                    for p in (r["body"] or "").split("\n\n") if p.strip())
    pre = (f'<div style="display:none;max-height:0;overflow:hidden">{html.escape(r["preheader"])}</div>'
           if r["preheader"] else "")
    cta = (f'<p><a href="#" style="background:#1f6feb;color:#fff;padding:10px 18px;border-radius:4px;'
           f'text-decoration:none">{html.escape(r["cta"])}</a></p>' if r["cta"] else "")
    return (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{html.escape(r["subject"] or "")}</title>'
            f'</head><body style="font-family:Arial,sans-serif;font-size:15px;line-height:1.5;color:#222">{pre}'
            f'<div style="max-width:560px;margin:0 auto;padding:24px">{paras}{cta}</div></body></html>')


def to_eml(draft: dict, style: str = "liquid", sender: str = "shop@example.com",
           to: str = "customer@example.com") -> bytes:
    """An RFC 5322 message (text and HTML alternatives) that mail clients and ESPs open as a draft."""
    r = rows([draft], style)[0]
    msg = EmailMessage()
    msg["Subject"] = re.sub(r"[\r\n]+", " ", r["subject"] or "")  # a line break in a header is refused (injection)
    msg["From"] = sender
    msg["To"] = to
    msg["X-Unsent"] = "1"  # Outlook opens it as a draft to send
    text = (r["body"] or "") + (f"\n\n{r['cta']}" if r["cta"] else "")
    msg.set_content(text)
    msg.add_alternative(to_html_email(draft, style), subtype="html")
    return msg.as_bytes()


def segment_customers_csv(con, segment: str, as_of=None, table=None) -> bytes:
    """customer_id, last_order, frequency, monetary of the segment's customers (goes with its campaign); table:
    rfm.rfm_table(con, as_of) when the caller already has it."""
    from analysis import rfm
    t = rfm.rfm_table(con, as_of) if table is None else table
    t = t[t["segment"] == segment][["customer_id", "last_order", "frequency", "monetary"]]
    return export_safety.to_csv(t).encode("utf-8")
