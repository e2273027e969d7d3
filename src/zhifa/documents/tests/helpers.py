import io
from pathlib import Path

import docx
import pypdf
from django.conf import settings
from django.core.files.storage import default_storage

from zhifa.documents.models import Document, DocumentRequest
from zhifa.documents.services import document_generate


def pdf_reader(doc: Document) -> pypdf.PdfReader:
    with default_storage.open(doc.pdf_name, "rb") as fh:
        return pypdf.PdfReader(io.BytesIO(fh.read()))


def pdf_text(doc: Document) -> str:
    return "".join(page.extract_text() for page in pdf_reader(doc).pages)


def pdf_xmp(doc: Document) -> bytes:
    return pdf_reader(doc).xmp_metadata.stream.get_data()


def docx_text(doc: Document) -> str:
    with default_storage.open(doc.docx_name, "rb") as fh:
        d = docx.Document(io.BytesIO(fh.read()))
    parts = [p.text for p in d.paragraphs]
    for table in d.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)


def stored_files() -> set[str]:
    root = Path(settings.MEDIA_ROOT) / "cas"
    return {str(p) for p in root.rglob("*") if p.is_file()} if root.exists() else set()


def generate(case, template, actor, capture, **kw) -> DocumentRequest:
    with capture(execute=True):
        req = document_generate(case=case, template=template, actor=actor, **kw)
    req.refresh_from_db()
    return req


def squash(text: str) -> str:
    return "".join(text.split())
