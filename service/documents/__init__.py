"""Printable documents made from plain data: the commendation list (表彰名单) and award certificates (PDF).

Pure: data in, bytes out (no Flask, no database); ``service.workflows.documents`` gathers the data a
viewer may see and names the file. HTML templates (``templates/``, autoescaped) are laid out by
WeasyPrint, which draws the Chinese with Debian's Noto CJK fonts (``make system-deps``) and embeds the
glyphs it used, so the files print the same anywhere.
"""
