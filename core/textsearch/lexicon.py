"""Dictionaries for search: place names and synonym groups.

Textile words for the segmenter are in textile_words.txt next to this module.

Entries may be written in Traditional or Simplified Chinese and in any case; the
text module normalises them the same way it normalises documents and queries.
"""

from pathlib import Path

TEXTILE_WORDS_FILE = Path(__file__).with_name("textile_words.txt")


def textile_words() -> list[str]:
    """The words listed in textile_words.txt."""
    words: list[str] = []
    with TEXTILE_WORDS_FILE.open(encoding="utf-8") as lines:
        for line in lines:
            words.extend(line.split("#", 1)[0].split())
    return words


# Liaoning place names that must segment as words and read with the right pinyin
# when core.regions_data is not available (it normally supplies PLACE_PINYIN).
PLACE_PINYIN_FALLBACK: dict[str, str] = {
    "长海": "changhai",
    "朝阳": "chaoyang",
    "大石桥": "dashiqiao",
    "阜新": "fuxin",
    "兴城": "xingcheng",
    "普兰店": "pulandian",
    "佟二堡": "tongerbao",
    "西柳": "xiliu",
    "弓长岭": "gongchangling",
}

# Words people add to what they look for that say little about it: they never
# restrict a result on their own (core.textsearch.queries), only its ranking.
FILLER_WORDS: tuple[str, ...] = (
    "厂",
    "工厂",
    "厂家",
    "公司",
    "有限公司",
    "有限责任公司",
    "有限责任",
    "责任公司",
    "集团",
    "制衣",
    "出口",
    "外贸",
    "加工",
    "生产",
    "factory",
    "factories",
    "manufacturer",
    "manufacturers",
    "manufacturing",
    "maker",
    "makers",
    "export",
    "exporter",
    "exporters",
    "company",
    "co",
    "ltd",
    "limited",
    "supplier",
    "suppliers",
)

# Each group lists words that mean the same thing to a buyer. A query term equal to
# one member searches for any member. Multi-word English members match as phrases.
SYNONYM_GROUPS: tuple[tuple[str, ...], ...] = (
    ("泳衣", "泳装", "游泳衣", "泳裤", "swimwear", "swimsuit", "swimsuits", "bikini"),
    ("袜子", "袜", "袜业", "socks", "hosiery"),
    ("西装", "西服", "套装", "suit", "suits"),
    ("皮草", "裘皮", "毛皮", "fur", "furs"),
    ("皮革", "皮具", "leather"),
    ("羽绒服", "羽绒", "down jacket", "down jackets"),
    ("旗袍", "qipao", "cheongsam"),
    ("针织", "针织品", "knitwear", "knitting", "knitted"),
    ("家纺", "家用纺织品", "床品", "home textile", "home textiles", "bedding"),
    ("纺织", "纺织品", "textile", "textiles"),
    ("服装", "服饰", "成衣", "apparel", "garment", "garments", "clothing"),
    ("防护服", "防护", "protective"),
    ("户外", "outdoor"),
    ("运动服", "运动装", "sportswear"),
    ("丝绸", "真丝", "silk"),
    ("印染", "染整", "dyeing"),
    ("刺绣", "绣", "绣品", "embroidery"),
    ("棉服", "棉衣", "棉袄", "padded"),
    ("裤子", "裤", "西裤", "trousers", "pants"),
    ("衬衫", "衬衣", "shirt", "shirts"),
    ("内衣", "lingerie", "underwear"),
    ("童装", "children's wear", "kidswear"),
    ("女装", "womenswear"),
    ("男装", "menswear"),
    ("工装", "职业装", "制服", "workwear", "uniform", "uniforms"),
    ("牛仔", "牛仔布", "denim", "jeans"),
    ("羊绒", "cashmere"),
    ("毛衫", "羊毛衫", "毛衣", "sweater", "sweaters"),
    ("无纺布", "非织造布", "nonwoven", "non-woven"),
    ("化纤", "化学纤维", "synthetic fibre", "synthetic fiber"),
    ("面料", "布料", "fabric", "fabrics"),
    ("婚纱", "礼服", "wedding dress", "gown"),
    ("毛巾", "towel", "towels"),
    ("T恤", "T恤衫", "T-shirt"),
)
