"""Resolve django.po after a merge: regenerate with makemessages, then fill every
empty or fuzzy entry from the translations found in the given po files."""
import re, subprocess, sys
PO = "core/locale/zh_Hans/LC_MESSAGES/django.po"

def entries(text):
    out = {}
    for block in text.split("\n\n"):
        if "#, fuzzy" in block:
            continue
        m = re.search(r'^msgid ((?:".*"\n?)+)^msgstr ((?:".*"\n?)+)', block, re.M)
        if not m:
            continue
        msgid = "".join(re.findall(r'"(.*)"', m.group(1)))
        msgstr = "".join(re.findall(r'"(.*)"', m.group(2)))
        if msgid and msgstr:
            out[msgid] = msgstr
    return out

known = {}
for source in sys.argv[1:]:
    known.update(entries(open(source, encoding="utf-8").read()))
subprocess.run(["env", "DJANGO_DEBUG=1", ".venv/bin/python", "manage.py", "makemessages", "-l", "zh_Hans",
    "--ignore=.venv", "--ignore=var", "--ignore=node_modules", "--ignore=tests", "--ignore=bench", "--no-obsolete"], check=True)
text = open(PO, encoding="utf-8").read()
blocks = text.split("\n\n")
missing = []
for i, block in enumerate(blocks[1:], 1):
    m = re.search(r'^msgid ((?:".*"\n?)+)^msgstr ((?:".*"\n?)+)', block, re.M)
    if not m:
        continue
    msgid = "".join(re.findall(r'"(.*)"', m.group(1)))
    msgstr = "".join(re.findall(r'"(.*)"', m.group(2)))
    fuzzy = "#, fuzzy" in block
    if (not msgstr or fuzzy) and msgid in known:
        block = re.sub(r"^#, fuzzy\n", "", block, flags=re.M).replace("#, fuzzy, ", "#, ")
        block = re.sub(r"^#\| .*\n", "", block, flags=re.M)
        block = block[: block.index("msgstr ")] + 'msgstr "' + known[msgid] + '"'
        blocks[i] = block
    elif not msgstr or fuzzy:
        missing.append(msgid)
open(PO, "w", encoding="utf-8").write("\n\n".join(blocks))
print("missing:", missing)
