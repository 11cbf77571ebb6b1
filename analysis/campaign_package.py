"""A campaign as one ZIP: its drafts in every analysis.draft_export format plus each segment's customer list, so the
copy and the audience it was written for leave together and cannot be mixed up on the way to the sending tool."""
from __future__ import annotations

import io
import re
import zipfile

from analysis import draft_export


def _slug(s: str | None) -> str:
    return re.sub(r"[^a-z0-9]+", "_", (s or "reply").lower()).strip("_") or "draft"


def table_files(drafts: list[dict], style: str = "liquid") -> dict[str, bytes]:
    """drafts.csv, .xlsx, .json and .md: the page offers each on its own and the ZIP holds them all."""
    return {"drafts.csv": draft_export.to_csv(drafts, style), "drafts.xlsx": draft_export.to_xlsx(drafts, style),
            "drafts.json": draft_export.to_json(drafts, style),
            "drafts.md": draft_export.to_markdown(drafts, style).encode("utf-8")}


def zip_bundle(drafts: list[dict], style: str = "liquid", customers: dict[str, bytes] | None = None,
               files: dict[str, bytes] | None = None) -> bytes:
    """table_files (pass them when already built), an .html and .eml per email draft, and customers_<segment>.csv
    per segment."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in (files or table_files(drafts, style)).items():
            z.writestr(name, data)
        for i, d in enumerate(drafts, 1):
            if d.get("channel") == "email":
                stem = f"email_{i}_{_slug(d.get('segment'))}"
                z.writestr(f"{stem}.html", draft_export.to_html_email(d, style))
                z.writestr(f"{stem}.eml", draft_export.to_eml(d, style))
        for seg, data in (customers or {}).items():
            z.writestr(f"customers_{_slug(seg)}.csv", data)
    return buf.getvalue()
