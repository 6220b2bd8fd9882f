"""Company name keys: what two spellings of one company's name have in common, so
an import can flag a likely duplicate (e.g. 大连大杨集团有限公司 and
大连大杨集团有限责任公司)."""

import re
import unicodedata

COMPANY_SUFFIXES = sorted(
    [
        "股份有限公司", "有限责任公司", "有限公司", "集团公司", "总公司", "分公司",
        "公司", "总厂", "分厂", "工厂", "厂", "商行", "经营部", "工作室", "合作社",
        "company", "limited", "ltd", "co", "inc", "corp", "corporation", "llc",
    ],
    key=len,
    reverse=True,
)  # fmt: skip
PUNCTUATION = re.compile(r"[\s\W_]+")
MAX_KEY_CHARS = 200


def name_key(name: str) -> str:
    """A company name without its legal form, punctuation or width differences:
    大连大杨集团有限公司 and 大连大杨集团有限责任公司 share the key 大连大杨集团."""
    key = PUNCTUATION.sub("", unicodedata.normalize("NFKC", name or "").casefold())
    changed = True
    while changed:
        changed = False
        for suffix in COMPANY_SUFFIXES:
            if key.endswith(suffix) and len(key) > len(suffix) + 1:
                key = key[: -len(suffix)]
                changed = True
                break
    return key[:MAX_KEY_CHARS] if len(key) >= 2 else ""


SORT_KEY_CHARS = 300


def sort_keys(name: str, name_en: str) -> tuple[str, str]:
    """The keys that sort entries by name: pinyin order of the Chinese name, and
    A-Z by the English name (an entry without one by the pinyin of its Chinese
    name, which is how its name is written in Latin letters)."""
    from core.textsearch.text import sort_key

    chinese = sort_key(name, SORT_KEY_CHARS)
    english = sort_key(name_en, SORT_KEY_CHARS) if (name_en or "").strip() else ""
    return chinese, english or chinese
