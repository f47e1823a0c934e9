"""Word documents shaped like trainers' real banks, built with python-docx for the tests and the benchmark.

python-docx has no API for automatic numbering, so `Numbering` writes the numbering.xml
definitions (w:abstractNum with its levels, w:num) and `numbered` puts a w:numPr on a
paragraph, as Word and WPS do when "1." and "A." come from the list and not from the text.
"""
from __future__ import annotations

import io

from docx import Document
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn


class Numbering:
    """Automatic numbering definitions added to a document's numbering part."""

    def __init__(self, document):
        self.document = document
        self.root = document.part.numbering_part.element

    def define(self, *levels: tuple[str, str], start: int = 1) -> int:
        """A new list whose levels are (numFmt, lvlText), e.g. ("decimal", "%1."); its numId."""
        abstract_id = 1 + max((int(n.get(qn("w:abstractNumId"))) for n in self.root.findall(qn("w:abstractNum"))),
                              default=0)
        lvls = "".join(f'<w:lvl w:ilvl="{i}"><w:start w:val="{start if i == 0 else 1}"/><w:numFmt w:val="{fmt}"/>'
                       f'<w:lvlText w:val="{text}"/></w:lvl>' for i, (fmt, text) in enumerate(levels))
        abstract = parse_xml(f'<w:abstractNum {nsdecls("w")} w:abstractNumId="{abstract_id}">{lvls}</w:abstractNum>')
        first_num = self.root.find(qn("w:num"))
        if first_num is not None:  # the schema wants every abstractNum before the nums
            first_num.addprevious(abstract)
        else:
            self.root.append(abstract)
        return self.instance(abstract_id)

    def instance(self, abstract_id: int, restart: int | None = None) -> int:
        """Another list (numId) of the same definition, optionally restarting level 0 at `restart`."""
        num_id = 1 + max((int(n.get(qn("w:numId"))) for n in self.root.findall(qn("w:num"))), default=0)
        override = (f'<w:lvlOverride w:ilvl="0"><w:startOverride w:val="{restart}"/></w:lvlOverride>'
                    if restart is not None else "")
        self.root.append(parse_xml(f'<w:num {nsdecls("w")} w:numId="{num_id}"><w:abstractNumId '
                                   f'w:val="{abstract_id}"/>{override}</w:num>'))
        return num_id

    def abstract_of(self, num_id: int) -> int:
        for num in self.root.findall(qn("w:num")):
            if num.get(qn("w:numId")) == str(num_id):
                return int(num.find(qn("w:abstractNumId")).get(qn("w:val")))
        raise KeyError(num_id)


def numbered(document, text: str, num_id: int, level: int = 0):
    """A paragraph numbered by list `num_id` at `level` (the number is not in its text)."""
    paragraph = document.add_paragraph(text)
    paragraph._p.get_or_add_pPr().append(parse_xml(
        f'<w:numPr {nsdecls("w")}><w:ilvl w:val="{level}"/><w:numId w:val="{num_id}"/></w:numPr>'))
    return paragraph


def soft_break_paragraph(document, *lines: str):
    """One paragraph whose lines are separated by soft breaks (Shift+Enter)."""
    paragraph = document.add_paragraph()
    for index, line in enumerate(lines):
        run = paragraph.add_run(line)
        if index < len(lines) - 1:
            run.add_break()
    return paragraph


def text_box(document, text: str):
    """A paragraph holding only a text box (a floating shape whose text is not body text)."""
    paragraph = document.add_paragraph()
    paragraph._p.append(parse_xml(
        f'<w:r {nsdecls("w")} xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
        f'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" '
        f'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" '
        f'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"><mc:AlternateContent>'
        f'<mc:Choice Requires="wps"><w:drawing><wp:anchor><a:graphic><a:graphicData>'
        f'<wps:wsp><wps:txbx><w:txbxContent><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:txbxContent>'
        f'</wps:txbx></wps:wsp></a:graphicData></a:graphic></wp:anchor></w:drawing></mc:Choice>'
        f'<mc:Fallback><w:pict><w:txbxContent><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:txbxContent>'
        f'</w:pict></mc:Fallback></mc:AlternateContent></w:r>'))
    return paragraph


def plain_document(*paragraphs: str) -> bytes:
    """A .docx of plain paragraphs (numbers, letters and answers in the text)."""
    document = Document()
    for text in paragraphs:
        document.add_paragraph(text)
    return save(document)


def save(document) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def auto_numbered_bank(questions: int, *, section_every: int = 0) -> bytes:
    """A bank of single-choice questions numbered by Word: questions at level 0 ("1."), options at
    level 1 ("A.", restarting under each question), the answer inline; headings "一、" numbered too."""
    document = Document()
    numbering = Numbering(document)
    headings = numbering.define(("chineseCounting", "%1、"))
    items = numbering.define(("decimal", "%1."), ("upperLetter", "%2."))
    numbered(document, "单项选择题（每题2分）", headings)
    for n in range(1, questions + 1):
        if section_every and n > 1 and n % section_every == 1:
            numbered(document, "单项选择题（每题1分）", headings)
        numbered(document, f"根据《行政处罚法》第{n}号情形，下列哪一机关有权作出处罚决定（ ）。", items)
        for option in ("县级以上人民政府", "乡镇人民政府", f"第{n}号行政机关", "人民法院"):
            numbered(document, option, items, 1)
        document.add_paragraph(f"答案：{'ABCD'[n % 4]}")
        document.add_paragraph(f"解析：第{n}题的解析。")
    return save(document)
