"""Resolve a conflict in the catalogue after a merge.

    git show :2:core/locale/zh_Hans/LC_MESSAGES/django.po > /tmp/ours.po
    git show :3:core/locale/zh_Hans/LC_MESSAGES/django.po > /tmp/theirs.po
    git checkout --ours core/locale/zh_Hans/LC_MESSAGES/django.po
    .venv/bin/python scripts/pomerge.py /tmp/ours.po /tmp/theirs.po

Regenerates the catalogue from the merged sources (makemessages), then fills every
empty or fuzzy entry from the translations found in the given files, and names the
messages that are still untranslated.
"""

import re
import subprocess
import sys
from pathlib import Path

PO = Path("core/locale/zh_Hans/LC_MESSAGES/django.po")
ENTRY = re.compile(r'^msgid ((?:".*"\n?)+)^msgstr ((?:".*"\n?)+)', re.MULTILINE)
MAKEMESSAGES = [
    sys.executable,
    "manage.py",
    "makemessages",
    "-l",
    "zh_Hans",
    "--ignore=.venv",
    "--ignore=var",
    "--ignore=node_modules",
    "--ignore=tests",
    "--ignore=bench",
    "--no-obsolete",
]


def joined(quoted: str) -> str:
    return "".join(re.findall(r'"(.*)"', quoted))


def translations(text: str) -> dict[str, str]:
    found = {}
    for block in text.split("\n\n"):
        match = ENTRY.search(block)
        if match and "#, fuzzy" not in block:
            msgid, msgstr = joined(match.group(1)), joined(match.group(2))
            if msgid and msgstr:
                found[msgid] = msgstr
    return found


def main(sources: list[str]) -> int:
    known: dict[str, str] = {}
    for source in sources:
        known.update(translations(Path(source).read_text(encoding="utf-8")))
    env = {"DJANGO_DEBUG": "1", "PATH": "/usr/bin:/bin"}
    subprocess.run(MAKEMESSAGES, check=True, env=env)  # noqa: S603
    blocks = PO.read_text(encoding="utf-8").split("\n\n")
    missing = []
    for i, block in enumerate(blocks[1:], 1):
        match = ENTRY.search(block)
        if not match:
            continue
        msgid, msgstr = joined(match.group(1)), joined(match.group(2))
        fuzzy = "#, fuzzy" in block
        if (msgstr and not fuzzy) or not msgid:
            continue
        if msgid not in known:
            missing.append(msgid)
            continue
        block = re.sub(r"^#, fuzzy\n", "", block, flags=re.MULTILINE)
        block = block.replace("#, fuzzy, ", "#, ")
        block = re.sub(r"^#\| .*\n", "", block, flags=re.MULTILINE)
        blocks[i] = block[: block.index("msgstr ")] + f'msgstr "{known[msgid]}"'
    PO.write_text("\n\n".join(blocks), encoding="utf-8")
    for msgid in missing:
        sys.stderr.write(f"untranslated: {msgid}\n")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
