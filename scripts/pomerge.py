"""Resolve a conflict in the catalogue after a merge.

    git show :1:core/locale/zh_Hans/LC_MESSAGES/django.po > /tmp/base.po
    git show :2:core/locale/zh_Hans/LC_MESSAGES/django.po > /tmp/ours.po
    git show :3:core/locale/zh_Hans/LC_MESSAGES/django.po > /tmp/theirs.po
    git checkout --ours core/locale/zh_Hans/LC_MESSAGES/django.po
    .venv/bin/python scripts/pomerge.py /tmp/ours.po /tmp/theirs.po --base /tmp/base.po

Regenerates the catalogue from the merged sources (makemessages), then fills every
empty or fuzzy entry from the translations found in the given files, and names the
messages that are still untranslated. With ``--base`` (the common ancestor's
catalogue) it is a three-way merge: a translation that only the other branch
changed is taken from it, and one that both changed differently is named.
"""

import re
import subprocess
import sys
from pathlib import Path

PO = Path("core/locale/zh_Hans/LC_MESSAGES/django.po")
# msgid (and msgid_plural), then the translation: msgstr, or msgstr[0], msgstr[1]...
ENTRY = re.compile(
    r'^msgid ((?:".*"\n?)+)(?:^msgid_plural ((?:".*"\n?)+))?(^msgstr.*)',
    re.MULTILINE | re.DOTALL,
)
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


def parse(block: str) -> tuple[str, str, bool] | None:
    """(the message's key, its translation as written, whether it is translated)."""
    match = ENTRY.search(block)
    if not match:
        return None
    key = joined(match.group(1)) + "\x00" + joined(match.group(2) or "")
    translation = match.group(3).rstrip("\n")
    strings = re.findall(r'^msgstr(?:\[\d+\])? ((?:".*"\n?)+)', translation, re.M)
    done = bool(strings) and all(joined(s) for s in strings)
    return key, translation, done and "#, fuzzy" not in block


def translations(text: str) -> dict[str, str]:
    found = {}
    for block in text.split("\n\n"):
        parsed = parse(block)
        if parsed and parsed[2] and parsed[0] != "\x00":
            found[parsed[0]] = parsed[1]
    return found


def _read(path: str) -> dict[str, str]:
    return translations(Path(path).read_text(encoding="utf-8"))


def changed_by_theirs(
    ours: dict[str, str], theirs: dict[str, str], base: dict[str, str]
) -> tuple[dict[str, str], list[str]]:
    """The translations the other branch changed and ours did not (to take), and
    the keys both changed differently (to name)."""
    take, both = {}, []
    for key, translation in theirs.items():
        if key not in base or translation == base[key]:
            continue  # new on their side (filled below if empty), or unchanged
        if ours.get(key, base[key]) == base[key]:
            take[key] = translation
        elif ours[key] != translation:
            both.append(key)
    return take, both


def main(args: list[str]) -> int:
    base_path = None
    if "--base" in args:
        at = args.index("--base")
        base_path = args[at + 1]
        args = args[:at] + args[at + 2 :]
    known: dict[str, str] = {}
    for source in args:
        known.update(_read(source))
    take: dict[str, str] = {}
    both: list[str] = []
    if base_path and len(args) == 2:
        take, both = changed_by_theirs(_read(args[0]), _read(args[1]), _read(base_path))
    env = {"DJANGO_DEBUG": "1", "PATH": "/usr/bin:/bin"}
    subprocess.run(MAKEMESSAGES, check=True, env=env)  # noqa: S603
    blocks = PO.read_text(encoding="utf-8").split("\n\n")
    missing = []
    for i, block in enumerate(blocks[1:], 1):
        parsed = parse(block)
        if not parsed or parsed[0] == "\x00":
            continue
        key = parsed[0]
        if parsed[2]:
            if key in take:  # translated on our side as at the base: theirs
                blocks[i] = block[: block.index("\nmsgstr") + 1] + take[key]
            continue
        if key not in known:
            missing.append(key.replace("\x00", " | "))
            continue
        block = re.sub(r"^#, fuzzy\n", "", block, flags=re.MULTILINE)
        block = block.replace("#, fuzzy, ", "#, ")
        block = re.sub(r"^#\| .*\n", "", block, flags=re.MULTILINE)
        blocks[i] = block[: block.index("\nmsgstr") + 1] + known[key]
    PO.write_text("\n\n".join(blocks), encoding="utf-8")
    for msgid in missing:
        sys.stderr.write(f"untranslated: {msgid}\n")
    for msgid in both:
        sys.stderr.write(f"changed on both sides (ours kept): {msgid}\n")
    return 1 if missing or both else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
