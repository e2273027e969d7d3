"""Rendering a document's content to PDF/A (WeasyPrint, CJK through fonts-noto-cjk) and to an
editable DOCX (docxtpl).

Every document has the same standard layout (REC-10): the agency's name, the document's name,
its number, the body (a form table of fields and/or titled sections of paragraphs), signature
lines, the seal placeholder and the date. The content is a plain JSON-able dict built by the
registry's context builders, so the PDF and the DOCX say exactly the same thing and the dict is
kept on the document row.

The DOCX template is built once per process with python-docx (no template files are copied from
anywhere) and filled with docxtpl.
"""

from __future__ import annotations

import functools
import io
import logging

from django.conf import settings
from django.template.loader import render_to_string

# WeasyPrint logs each layout step at INFO; one line per document is enough (our own log).
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

BODY_FONT = "Noto Serif CJK SC"
TITLE_FONT = "Noto Sans CJK SC"
DOCX_EAST_ASIA_FONT = "宋体"


def pdf_variant() -> str:
    """PDF/A-3b by default (the DOCX could later be attached); PDF/A-2b selectable."""
    variant = getattr(settings, "ZHIFA_DOCUMENT_PDF_VARIANT", "pdf/a-3b")
    if variant not in ("pdf/a-3b", "pdf/a-2b"):
        raise ValueError(f"ZHIFA_DOCUMENT_PDF_VARIANT must be pdf/a-3b or pdf/a-2b, not {variant!r}")
    return variant


def render_pdf(content: dict, *, html_template: str = "documents/pdf/base.html") -> bytes:
    from weasyprint import HTML

    html = render_to_string(html_template, {"doc": content, "body_font": BODY_FONT, "title_font": TITLE_FONT})
    return HTML(string=html, base_url=None).write_pdf(
        pdf_variant=pdf_variant(),
        presentational_hints=True,
        uncompressed_pdf=False,
    )


# --- DOCX -------------------------------------------------------------------------------------


def _set_font(run_or_style, *, size_pt: float | None = None, bold: bool | None = None, east_asia: str = DOCX_EAST_ASIA_FONT):
    from docx.oxml.ns import qn
    from docx.shared import Pt

    font = run_or_style.font
    font.name = east_asia
    if size_pt:
        font.size = Pt(size_pt)
    if bold is not None:
        font.bold = bold
    element = run_or_style.element if hasattr(run_or_style, "element") else run_or_style._element
    rpr = element.get_or_add_rPr()
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.append(rfonts)
    rfonts.set(qn("w:eastAsia"), east_asia)


def _para(doc, text: str, *, align=None, size: float | None = None, bold: bool = False, indent: bool = False):
    from docx.shared import Pt

    p = doc.add_paragraph()
    if align is not None:
        p.alignment = align
    if indent:
        p.paragraph_format.first_line_indent = Pt(24)
    run = p.add_run(text)
    _set_font(run, size_pt=size, bold=bold)
    return p


@functools.cache
def docx_template_bytes() -> bytes:
    """The one docxtpl template of the standard layout, built with python-docx."""
    from docx import Document as DocxDocument
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Mm

    doc = DocxDocument()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(30), Mm(28)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    _set_font(doc.styles["Normal"], size_pt=12)

    center, right = WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.RIGHT
    _para(doc, "{{ doc.agency }}", align=center, size=18, bold=True)
    _para(doc, "{{ doc.title }}", align=center, size=22, bold=True)
    _para(doc, "{{ doc.number }}{% if doc.version > 1 %}（第{{ doc.version }}版）{% endif %}", align=right)
    _para(doc, "{%p if doc.corrects %}")
    _para(doc, "{{ doc.corrects }}", size=10.5)
    _para(doc, "{%p endif %}")
    _para(doc, "{%p if doc.addressee %}")
    _para(doc, "{{ doc.addressee }}：")
    _para(doc, "{%p endif %}")
    _para(doc, "{%p if doc.fields %}")
    table = doc.add_table(rows=3, cols=2)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.cell(0, 0).text = "{%tr for f in doc.fields %}"
    table.cell(1, 0).text = "{{ f.label }}"
    table.cell(1, 1).text = "{{ f.value }}"
    table.cell(2, 0).text = "{%tr endfor %}"
    for row in table.rows:
        row.cells[0].width, row.cells[1].width = Mm(40), Mm(116)
    _para(doc, "{%p endif %}")
    _para(doc, "{%p for s in doc.sections %}")
    _para(doc, "{%p if s.heading %}")
    _para(doc, "{{ s.heading }}", bold=True)
    _para(doc, "{%p endif %}")
    _para(doc, "{%p for text in s.paragraphs %}")
    _para(doc, "{%p if s.plain %}")
    _para(doc, "{{ text }}")
    _para(doc, "{%p else %}")
    _para(doc, "{{ text }}", indent=True)
    _para(doc, "{%p endif %}")
    _para(doc, "{%p endfor %}")
    _para(doc, "{%p endfor %}")
    _para(doc, "{%p for line in doc.signatures %}")
    _para(doc, "{{ line }}")
    _para(doc, "{%p endfor %}")
    _para(doc, "{%p if doc.seal %}")
    _para(doc, "{{ doc.agency }}（印章）", align=right)
    _para(doc, "{%p endif %}")
    _para(doc, "{{ doc.date }}", align=right)
    _para(doc, "{%p if doc.footer %}")
    _para(doc, "{{ doc.footer }}", size=10.5)
    _para(doc, "{%p endif %}")
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def render_docx(content: dict) -> bytes:
    from docxtpl import DocxTemplate

    tpl = DocxTemplate(io.BytesIO(docx_template_bytes()))
    tpl.render({"doc": content}, autoescape=True)
    out = io.BytesIO()
    tpl.save(out)
    return out.getvalue()
