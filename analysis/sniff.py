"""Look at an uploaded file before parsing it: refuse what cannot be a table, and learn format, encoding and delimiter."""
from __future__ import annotations

import codecs
import csv
import gzip
import hashlib
import io
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from analysis.config import max_upload_bytes
from analysis.errors import IngestError

HEAD_BYTES = 256 * 1024
DELIMITERS = [",", ";", "\t", "|"]
MAX_XLSX_UNCOMPRESSED = 512 * 1024 * 1024
MAX_XLSX_RATIO = 200
XML_HEAD_BYTES = 64 * 1024
SCAN_CHUNK = 1 << 22

_BINARY_MAGIC = {
    b"%PDF": "a PDF document",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"\x7fELF": "an executable program",
    b"MZ": "a Windows executable",
    b"\xd0\xcf\x11\xe0": "an old-style Excel/Office file (.xls); save it as .xlsx or CSV",
    b"SQLite format 3": "a SQLite database",
    b"Rar!": "a RAR archive",
    b"7z\xbc\xaf": "a 7-Zip archive",
}


@dataclass
class SourceInfo:
    """What the sniffer learned; ingest reads the file with exactly these settings."""

    path: Path
    name: str
    format: str  # csv | xlsx | parquet
    size: int
    sha256: str
    encoding: str = "utf-8"
    delimiter: str = ","
    compressed: bool = False
    decode_errors: str = "replace"  # "cp1252_fallback" for UTF-8 files with a few pasted Windows-1252 lines
    mixed_newlines: bool = False  # CRLF and LF lines in one file (two exports pasted together)
    headers: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def sniff(path: Path | str, display_name: str | None = None) -> SourceInfo:
    path = Path(path)
    name = display_name or path.name
    if not path.exists():
        raise IngestError(f"File not found: {path}", fix="check the path")
    if not path.is_file():
        raise IngestError(f"{name} is a folder or a device, not a file", where=name,
                          fix="pick the CSV, XLSX or Parquet file itself")
    size = path.stat().st_size
    limit = max_upload_bytes()
    if size > limit:
        raise IngestError(
            f"{name} is {size / 1e6:,.1f} MB, above the upload limit of {limit / 1e6:,.0f} MB",
            where=name,
            fix="split the file, or raise SHOPLENS_MAX_UPLOAD_MB (and server.maxUploadSize in .streamlit/config.toml)",
        )
    if size == 0:
        raise IngestError(f"{name} is empty (0 bytes)", where=name, fix="export the data again; the file has no content")
    with open(path, "rb") as f:
        head = f.read(HEAD_BYTES)
    info = SourceInfo(path=path, name=name, format="csv", size=size, sha256=file_sha256(path))
    if head.startswith(b"PAR1"):
        info.format = "parquet"
        return info
    if head.startswith(b"PK\x03\x04"):
        _check_xlsx(path, name)
        info.format = "xlsx"
        return info
    if head.startswith(b"\x1f\x8b"):
        info.compressed = True
        with gzip.open(path, "rb") as g:
            try:
                head = g.read(HEAD_BYTES)
            except (OSError, EOFError) as exc:
                raise IngestError(f"{name} is a damaged gzip file ({exc})", where=name, fix="compress it again") from exc
    for magic, what in _BINARY_MAGIC.items():
        if head.startswith(magic):
            raise IngestError(f"{name} is {what}, not a CSV, XLSX or Parquet table", where=name,
                              fix="upload a .csv, .xlsx or .parquet export")
    _detect_text(info, head)
    return info


def _check_xlsx(path: Path, name: str) -> None:
    """Open the zip directory only: a workbook must look like one, and must not inflate to gigabytes (zip bomb)."""
    try:
        with zipfile.ZipFile(path) as z:
            infos = z.infolist()
            names = {i.filename for i in infos}
    except zipfile.BadZipFile as exc:
        raise IngestError(f"{name} looks like a ZIP/XLSX file but is damaged ({exc})", where=name,
                          fix="open it in your spreadsheet program and save it again as .xlsx") from exc
    if "xl/workbook.xml" not in names:
        raise IngestError(f"{name} is a ZIP archive, not an Excel workbook", where=name,
                          fix="unzip it and upload the CSV/XLSX/Parquet file inside")
    unpacked = sum(i.file_size for i in infos)
    packed = max(1, sum(i.compress_size for i in infos))
    if unpacked > MAX_XLSX_UNCOMPRESSED or (unpacked > 50e6 and unpacked / packed > MAX_XLSX_RATIO):
        raise IngestError(
            f"{name} would unpack to {unpacked / 1e6:,.0f} MB ({unpacked / packed:,.0f}x its size); refused as a "
            "possible zip bomb", where=name, fix="export the sheet as CSV instead")
    _check_xml_declarations(path, name, [i.filename for i in infos if i.filename.endswith((".xml", ".rels"))])


def _check_xml_declarations(path: Path, name: str, parts: list[str]) -> None:
    """Excel never writes a DTD; one in a workbook part is an XML bomb (entities expanding to gigabytes) or an XXE
    attempt (an entity reading a server file). A DTD must precede the root element, so each part's head suffices;
    openpyxl parses through defusedxml as well, for a DTD pushed further down by padding."""
    with zipfile.ZipFile(path) as z:
        for part in parts:
            try:
                with z.open(part) as f:
                    head = f.read(XML_HEAD_BYTES)
            except (zipfile.BadZipFile, zlib.error, EOFError, RuntimeError, NotImplementedError) as exc:
                raise IngestError(f"{name} looks like an Excel workbook but is damaged ({part}: {exc})", where=name,
                                  fix="open it in your spreadsheet program and save it again as .xlsx") from exc
            if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, b"<\x00", b"\x00<")):
                head = head.decode("utf-16", errors="ignore").encode()
            if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
                raise xml_declarations_refused(name, part)


def xml_declarations_refused(name: str, part: str) -> IngestError:
    """One message for a DTD or entity declaration, whether the zip scan or the XML parser (defusedxml) finds it."""
    return IngestError(
        f"{name} declares XML entities (a DTD) in {part}, which Excel never writes; refused as a possible XML bomb "
        "or external-entity (XXE) attack", where=f"{name}, {part}",
        fix="open it in your spreadsheet program and save it again as .xlsx, or export the sheet as CSV")


def _detect_text(info: SourceInfo, head: bytes) -> None:
    name = info.name
    if head.startswith(codecs.BOM_UTF16_LE) or head.startswith(codecs.BOM_UTF16_BE):
        info.encoding = "utf-16"
        text = head.decode("utf-16", errors="ignore")
    else:
        if b"\x00" in head:
            raise IngestError(f"{name} is a binary file (it contains NUL bytes), not a CSV, XLSX or Parquet table",
                              where=name, fix="upload a .csv, .xlsx or .parquet export")
        if head.startswith(codecs.BOM_UTF8):
            info.encoding = "utf-8-sig"
            info.notes.append("UTF-8 byte-order mark removed")
            head = head[len(codecs.BOM_UTF8):]
        text = _decode_head(info, head)
    if _looks_binary(text):
        raise IngestError(f"{name} does not contain readable text (too many control characters)", where=name,
                          fix="upload a .csv, .xlsx or .parquet export")
    first_line = text.splitlines()[0] if text.strip() else ""
    if not first_line.strip():
        raise IngestError(f"{name} has no header line (the first line is empty)", where=f"{name}, line 1",
                          fix="put the column names on the first line")
    crlf = head.count(b"\r\n")
    # a CRLF header over LF rows (two exports pasted together); CRLF inside quoted text of an LF file is normal
    if head.split(b"\n", 1)[0].endswith(b"\r") and head.count(b"\n") > crlf:
        info.mixed_newlines = True
        info.notes.append("line endings mixed CRLF and LF; read as one style")
    info.delimiter = _detect_delimiter(first_line)
    info.headers = next(csv.reader([first_line], delimiter=info.delimiter))


def _decode_head(info: SourceInfo, head: bytes) -> str:
    try:
        return head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start >= len(head) - 4:  # a multi-byte character cut by the head boundary
            return head[: exc.start].decode("utf-8")
    lenient = head.decode("utf-8", errors="replace")
    if any(ord(ch) > 127 and ch != "\ufffd" for ch in lenient):
        # Real UTF-8 text with a few undecodable bytes: lines pasted from a Windows-1252 export. Decoding the whole
        # file as cp1252 would turn every correct accent into mojibake; decode only the bad bytes as cp1252.
        info.decode_errors = "cp1252_fallback"
        info.notes.append("mostly UTF-8 with some Windows-1252 bytes; those bytes were read as Windows-1252")
        return head.decode("utf-8", errors="cp1252_fallback")
    from charset_normalizer import from_bytes

    best = from_bytes(head).best()
    enc = (best.encoding if best else "cp1252").lower()
    if enc in ("ascii", "utf_8"):
        enc = "cp1252"
    info.encoding = enc
    info.notes.append(f"text encoding {enc} converted to UTF-8")
    return head.decode(enc, errors="replace")


def _cp1252_fallback(exc: UnicodeDecodeError) -> tuple[str, int]:
    return exc.object[exc.start:exc.end].decode("cp1252", errors="replace"), exc.end


codecs.register_error("cp1252_fallback", _cp1252_fallback)


def _looks_binary(text: str) -> bool:
    sample = text[:20000]
    if not sample:
        return False
    ctrl = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\r\n\t\f")
    return ctrl / len(sample) > 0.05


def _detect_delimiter(line: str) -> str:
    counts = {d: _count_outside_quotes(line, d) for d in DELIMITERS}
    best = max(counts, key=counts.get)
    return best if counts[best] > 0 else ","


def _count_outside_quotes(line: str, delim: str) -> int:
    n, quoted = 0, False
    for ch in line:
        if ch == '"':
            quoted = not quoted
        elif ch == delim and not quoted:
            n += 1
    return n


def open_text(info: SourceInfo) -> io.TextIOBase:
    """The file as decoded text, for the few checks that need to see every byte (quote balance, transcoding)."""
    raw = gzip.open(info.path, "rb") if info.compressed else open(info.path, "rb")
    return io.TextIOWrapper(raw, encoding=info.encoding, errors=info.decode_errors,
                            newline=None if info.mixed_newlines else "")


@dataclass
class ByteScan:
    """What one streaming pass over every byte of a CSV (decompressed) learned, before DuckDB parses it."""

    quotes: int = 0
    max_rows: int = 0  # upper bound: line ends (LF, CR, CRLF); blank lines and newlines inside quotes inflate it
    nul_line: int | None = None  # line of the first NUL byte, which no text export contains


def scan_bytes(info: SourceInfo) -> ByteScan:
    """Count quotes and line ends and find the first NUL in C (bytes.count/find), about 1 GB/s: the row budget and
    the NUL refusal then cover the whole file, not just the head the sniffer read."""
    scan, lf, cr, crlf = ByteScan(), 0, 0, 0
    check_nul = info.encoding != "utf-16"  # every other byte of UTF-16 text is NUL
    opener = gzip.open if info.compressed else open
    with opener(info.path, "rb") as f:
        for chunk in iter(lambda: f.read(SCAN_CHUNK), b""):
            if check_nul and scan.nul_line is None and (at := chunk.find(b"\x00")) >= 0:
                scan.nul_line = lf + chunk.count(b"\n", 0, at) + 1
            scan.quotes += chunk.count(b'"')
            lf += chunk.count(b"\n")
            cr += chunk.count(b"\r")
            crlf += chunk.count(b"\r\n")  # a pair cut by a chunk boundary counts twice: still an upper bound
    scan.max_rows = lf + cr - crlf
    return scan


def find_unterminated_quote(info: SourceInfo, scan: ByteScan | None = None) -> int | None:
    """Line number where a quoted field opens and never closes, or None. RFC 4180 doubles inner quotes, so
    a balanced file has an even quote count (counted in C, fast); only an odd count pays for locating the culprit."""
    total = (scan or scan_bytes(info)).quotes
    if total % 2 == 0:
        return None
    line_no, open_line, quoted = 1, None, False
    with open_text(info) as f:
        for chunk in iter(lambda: f.read(1 << 20), ""):
            for part_index, part in enumerate(chunk.split('"')):
                if part_index:
                    quoted = not quoted
                    if quoted:
                        open_line = line_no
                line_no += part.count("\n")
    return open_line if quoted else None
