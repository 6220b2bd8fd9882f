"""scripts/pomerge.py, the catalogue merge after a conflict: three-way, so that a
translation only the other branch changed is not lost (two were, in one merge)."""

import importlib.util
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "pomerge.py"
spec = importlib.util.spec_from_file_location("pomerge", SCRIPT)
pomerge = importlib.util.module_from_spec(spec)
spec.loader.exec_module(pomerge)


def catalogue(**entries: str) -> str:
    header = 'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n'
    return "\n\n".join(
        [header]
        + [f'msgid "{key}"\nmsgstr "{value}"' for key, value in entries.items()]
    )


def test_a_translation_changed_only_by_theirs_is_taken():
    base = pomerge.translations(catalogue(English="英语", Save="保存", Edit="编辑"))
    ours = pomerge.translations(catalogue(English="英语", Save="存储", Edit="修改"))
    theirs = pomerge.translations(catalogue(English="英文", Save="保存", Edit="编写"))
    take, both = pomerge.changed_by_theirs(ours, theirs, base)
    assert take == {"English\x00": 'msgstr "英文"'}  # theirs only
    assert both == ["Edit\x00"]  # both, differently: named, ours kept
    # Save: ours only changed it, so ours stays (nothing to take).
