"""The renderers on their own: the PDF/A level is a setting; the DOCX keeps the layout's parts."""

import io

import docx
import pypdf
import pytest

from zhifa.documents.render import render_docx, render_pdf

CONTENT = {
    "agency": "江川市市场监督管理局", "title": "测试文书", "number": "江川市监测〔2026〕1号", "version": 1, "corrects": "",
    "addressee": "张三", "fields": [{"label": "当事人", "value": "张三 & <李四>"}],
    "sections": [{"heading": "一、事实", "paragraphs": ["第一段。", "第二段。"]},
                 {"heading": "", "paragraphs": ["当事人：张三"], "plain": True}],
    "signatures": ["执法人员（签名）："], "seal": True, "date": "2026年11月30日", "footer": "本文书一式两份。",
}


@pytest.mark.parametrize("variant, part", [("pdf/a-3b", b'pdfaid:part="3"'), ("pdf/a-2b", b'pdfaid:part="2"')])
def test_pdf_variant_is_a_setting(settings, variant, part):
    settings.ZHIFA_DOCUMENT_PDF_VARIANT = variant
    reader = pypdf.PdfReader(io.BytesIO(render_pdf(CONTENT)))
    assert part in reader.xmp_metadata.stream.get_data()
    text = "".join(p.extract_text() for p in reader.pages)
    assert "张三 & <李四>" in text and "第二段。" in text


def test_unknown_pdf_variant_is_refused(settings):
    settings.ZHIFA_DOCUMENT_PDF_VARIANT = "pdf/ua-1"
    with pytest.raises(ValueError):
        render_pdf(CONTENT)


def test_docx_escapes_and_keeps_every_part():
    d = docx.Document(io.BytesIO(render_docx(CONTENT)))
    paragraphs = [p.text for p in d.paragraphs]
    cells = [c.text for row in d.tables[0].rows for c in row.cells]
    assert cells == ["当事人", "张三 & <李四>"]
    for expected in ["江川市市场监督管理局", "测试文书", "江川市监测〔2026〕1号", "张三：", "一、事实", "第一段。", "第二段。",
                     "当事人：张三", "执法人员（签名）：", "江川市市场监督管理局（印章）", "2026年11月30日", "本文书一式两份。"]:
        assert expected in paragraphs, expected
    assert not any("{%" in p or "{{" in p for p in paragraphs)
