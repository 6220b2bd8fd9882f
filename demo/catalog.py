"""Fixed demo content: the verified clusters, markets and colleges from DESIGN.md,
plainly synthetic rows to reach 15 clusters and 14 colleges, the five programmes and
their events, and the vocabulary the enterprise generator draws from."""

# slug, name, name_en, region code, specialty zh, specialty en, sectors, synthetic
CLUSTERS = [
    (
        "xingcheng-swimwear",
        "兴城泳装产业集群",
        "Xingcheng Swimwear Cluster",
        "211481",
        "泳装、沙滩装",
        "swimwear and beachwear",
        ["swimwear", "apparel"],
        False,
    ),
    (
        "pulandian-suits",
        "普兰店服装产业集群",
        "Pulandian Suit Cluster",
        "210214",
        "西装、职业装",
        "suits and formal wear",
        ["suits", "apparel"],
        False,
    ),
    (
        "xiliu-garments",
        "西柳服装产业集群",
        "Xiliu Garment Cluster",
        "210381",
        "裤装、棉服",
        "trousers and cotton-padded clothing",
        ["apparel"],
        False,
    ),
    (
        "tongerbao-leather-fur",
        "佟二堡皮革皮草产业集群",
        "Tong'erbao Leather and Fur Cluster",
        "211081",
        "皮革、皮草服装",
        "leather and fur garments",
        ["leather_fur", "apparel"],
        False,
    ),
    (
        "donggang-outdoor",
        "东港户外运动服装产业集群",
        "Donggang Outdoor Sportswear Cluster",
        "210681",
        "户外运动服装",
        "outdoor sportswear",
        ["outdoor", "apparel"],
        False,
    ),
    (
        "dandong-protective",
        "丹东防护纺织品产业集群",
        "Dandong Protective Textiles Cluster",
        "210600",
        "防护服、功能性纺织品",
        "protective clothing and functional textiles",
        ["protective", "technical"],
        False,
    ),
    (
        "xiaobeihe-socks",
        "小北河袜业产业集群",
        "Xiaobeihe Sock Cluster",
        "211021",
        "袜子",
        "socks and hosiery",
        ["socks", "knitting"],
        False,
    ),
    (
        "xinbin-qipao",
        "新宾旗袍产业集群",
        "Xinbin Qipao Cluster",
        "210422",
        "旗袍、满族服饰",
        "qipao and Manchu dress",
        ["qipao", "embroidery"],
        False,
    ),
    (
        "shenyang-qipao-embroidery",
        "沈阳旗袍与盛京满绣产业集群",
        "Shenyang Qipao and Shengjing Manchu Embroidery Cluster",
        "210100",
        "旗袍、盛京满绣",
        "qipao and Shengjing Manchu embroidery",
        ["qipao", "embroidery"],
        False,
    ),
    (
        "demo-dalian-knitwear",
        "演示集群：大连针织",
        "Demo cluster: Dalian knitwear",
        "210283",
        "针织服装（演示数据）",
        "knitwear (demo data)",
        ["knitting", "apparel"],
        True,
    ),
    (
        "demo-anshan-silk",
        "演示集群：鞍山丝绸",
        "Demo cluster: Anshan silk",
        "210323",
        "柞蚕丝绸（演示数据）",
        "tussah silk (demo data)",
        ["silk", "textile"],
        True,
    ),
    (
        "demo-yingkou-home-textiles",
        "演示集群：营口家纺",
        "Demo cluster: Yingkou home textiles",
        "210882",
        "家纺（演示数据）",
        "home textiles (demo data)",
        ["home_textile", "textile"],
        True,
    ),
    (
        "demo-liaoyang-dyeing",
        "演示集群：辽阳印染",
        "Demo cluster: Liaoyang dyeing",
        "211002",
        "印染（演示数据）",
        "dyeing and finishing (demo data)",
        ["dyeing", "textile"],
        True,
    ),
    (
        "demo-tieling-technical",
        "演示集群：铁岭产业用纺织品",
        "Demo cluster: Tieling technical textiles",
        "211281",
        "产业用纺织品（演示数据）",
        "technical textiles (demo data)",
        ["technical"],
        True,
    ),
    (
        "demo-jinzhou-accessories",
        "演示集群：锦州服装辅料",
        "Demo cluster: Jinzhou garment accessories",
        "210781",
        "服装辅料（演示数据）",
        "garment accessories (demo data)",
        ["accessories"],
        True,
    ),
]

# cluster slug -> designations (kind, title, title_en, body, body_en, awarded, review)
CLUSTER_DESIGNATIONS = {
    "xingcheng-swimwear": [
        (
            "cluster_title",
            "中国泳装名城",
            "China Swimwear City",
            "中国纺织工业联合会",
            "China National Textile and Apparel Council",
            "2010-01-01",
            "2026-12-31",
        ),
        (
            "national_town",
            "全国纺织产业集群试点地区",
            "National textile cluster pilot area",
            "中国纺织工业联合会",
            "China National Textile and Apparel Council",
            "2010-01-01",
            None,
        ),
    ],
    "pulandian-suits": [
        (
            "cluster_title",
            "中国西装名城",
            "China Suit City",
            "中国纺织工业联合会",
            "China National Textile and Apparel Council",
            "2011-01-01",
            "2026-12-31",
        ),
    ],
    "donggang-outdoor": [
        (
            "national_town",
            "户外运动服装产业集群",
            "Outdoor sportswear industry cluster",
            "中国纺织工业联合会",
            "China National Textile and Apparel Council",
            "2016-01-01",
            None,
        ),
    ],
    "xinbin-qipao": [
        (
            "cluster_title",
            "旗袍发源地",
            "Birthplace of the qipao",
            "辽宁省纺织服装协会（演示记录）",
            "Liaoning textile association (demo record)",
            None,
            None,
        ),
    ],
    "shenyang-qipao-embroidery": [
        (
            "cluster_title",
            "旗袍之都",
            "Qipao capital",
            "辽宁省纺织服装协会（演示记录）",
            "Liaoning textile association (demo record)",
            None,
            None,
        ),
    ],
}

# slug, name, name_en, region, cluster slug, specialty, specialty_en
MARKETS = [
    (
        "shenyang-wuai",
        "沈阳五爱市场",
        "Shenyang Wuai Market",
        "210103",
        None,
        "服装、小商品批发",
        "garment and small-commodity wholesale",
    ),
    (
        "haicheng-xiliu",
        "海城西柳服装市场",
        "Haicheng Xiliu Garment Market",
        "210381",
        "xiliu-garments",
        "服装批发",
        "garment wholesale",
    ),
    (
        "liaoyang-tongerbao",
        "辽阳佟二堡皮草市场",
        "Liaoyang Tong'erbao Fur Market",
        "211081",
        "tongerbao-leather-fur",
        "皮革、皮草批发",
        "leather and fur wholesale",
    ),
]

# slug, name, name_en, kind, school, school_en, region, synthetic
COLLEGES = [
    (
        "dalian-polytechnic",
        "大连工业大学",
        "Dalian Polytechnic University",
        "university",
        "服装学院、纺织与材料工程学院",
        "Fashion; Textile and Material Engineering",
        "210211",
        False,
    ),
    (
        "eastern-liaoning",
        "辽东学院",
        "Eastern Liaoning University",
        "university",
        "服装与纺织学院",
        "School of Fashion & Textiles",
        "210600",
        False,
    ),
    (
        "luxun-academy",
        "鲁迅美术学院",
        "Luxun Academy of Fine Arts",
        "art",
        "染织服装艺术设计学院",
        "Textile and Fashion Design",
        "210100",
        False,
    ),
    (
        "liaoning-light-industry",
        "辽宁轻工职业学院",
        "Liaoning Light Industry Vocational College",
        "vocational",
        "服装与纺织系",
        "Garment and Textile Department",
        "210200",
        False,
    ),
    (
        "dalian-art",
        "大连艺术学院",
        "Dalian Art College",
        "art",
        "服装学院",
        "School of Fashion",
        "210200",
        False,
    ),
    (
        "dalian-university",
        "大连大学",
        "Dalian University",
        "university",
        "美术学院（服装设计）",
        "College of Fine Arts (fashion design)",
        "210200",
        False,
    ),
    (
        "shenyang-light-industry-art",
        "沈阳市轻工艺术学校",
        "Shenyang Light Industry Art School",
        "vocational",
        "服装设计与工艺专业",
        "Garment design and technology",
        "210100",
        False,
    ),
] + [
    (
        f"demo-college-{i}",
        f"演示院校{i}号",
        f"Demo college no. {i}",
        "vocational",
        "纺织服装系（演示数据）",
        "Textile and garment department (demo data)",
        region,
        True,
    )
    for i, region in enumerate(
        ["210300", "210400", "210500", "210700", "210900", "211100", "211300"], start=1
    )
]

COLLEGE_PROGRAMMES = [
    ("服装设计与工程", "Fashion Design and Engineering", "bachelor"),
    ("纺织工程", "Textile Engineering", "bachelor"),
    ("服装与服饰设计", "Clothing and Costume Design", "bachelor"),
    ("服装设计与工艺", "Garment Design and Technology", "vocational"),
    ("纺织科学与工程", "Textile Science and Engineering", "master"),
]

# slug, kind, name, name_en
PROGRAMMES = [
    (
        "heritage",
        "heritage",
        "非遗协同发展计划",
        "Intangible Cultural Heritage Collaboration",
    ),
    (
        "regional-brand",
        "regional_brand",
        "区域品牌与集群升级计划",
        "Regional Brand and Cluster Upgrading",
    ),
    (
        "high-quality",
        "high_quality",
        "高质量制造企业服务计划",
        "High-Quality Manufacturing Enterprise Service",
    ),
    (
        "industry-academia",
        "industry_academia",
        "产学研合作计划",
        "Industry–University–Research Cooperation",
    ),
    (
        "beautiful-mother",
        "beautiful_mother",
        "“美丽妈妈”就业计划",
        "\u201cBeautiful Mother\u201d Employment Programme",
    ),
]

# slug, programme slug, kind, name, name_en, start, end, region
EVENTS = [
    (
        "2025-xingcheng-swimwear-expo",
        "regional-brand",
        "exhibition",
        "2025 兴城国际泳装博览会（演示）",
        "2025 Xingcheng Swimwear Expo (demo)",
        "2025-06-12",
        "2025-06-15",
        "211481",
    ),
    (
        "2025-liaoning-fashion-week",
        "regional-brand",
        "fashion_week",
        "2025 辽宁时装周（演示）",
        "2025 Liaoning Fashion Week (demo)",
        "2025-10-18",
        "2025-10-24",
        "210100",
    ),
    (
        "2025-swimsuit-design-competition",
        "regional-brand",
        "competition",
        "2025 泳装设计大赛（演示）",
        "2025 Swimsuit Design Competition (demo)",
        "2025-05-20",
        "2025-06-12",
        "211481",
    ),
    (
        "2025-design-competition",
        "industry-academia",
        "competition",
        "2025 辽宁服装设计大赛（演示）",
        "2025 Liaoning Fashion Design Competition (demo)",
        "2025-09-01",
        "2025-09-30",
        "210200",
    ),
    (
        "2025-pattern-maker-competition",
        "high-quality",
        "competition",
        "2025 服装制版师大赛（演示）",
        "2025 Pattern-Maker Competition (demo)",
        "2025-08-08",
        "2025-08-10",
        "210300",
    ),
    (
        "2025-buyer-competition",
        "regional-brand",
        "competition",
        "2025 服装买手大赛（演示）",
        "2025 Buyer Competition (demo)",
        "2025-11-05",
        "2025-11-07",
        "210100",
    ),
    (
        "2025-effect-drawing-competition",
        "industry-academia",
        "competition",
        "2025 服装效果图大赛（演示）",
        "2025 Fashion Effect-Drawing Competition (demo)",
        "2025-04-10",
        "2025-05-10",
        "210200",
    ),
    (
        "2025-manchu-embroidery-forum",
        "heritage",
        "forum",
        "2025 盛京满绣传承论坛（演示）",
        "2025 Shengjing Manchu Embroidery Forum (demo)",
        "2025-07-03",
        "2025-07-03",
        "210100",
    ),
    (
        "2025-beautiful-mother-training",
        "beautiful-mother",
        "training",
        "2025 “美丽妈妈”缝纫技能培训（演示）",
        "2025 \u201cBeautiful Mother\u201d Sewing Skills Training (demo)",
        "2025-03-15",
        "2025-04-15",
        "211000",
    ),
    (
        "2026-high-quality-forum",
        "high-quality",
        "forum",
        "2026 高质量制造论坛（演示）",
        "2026 High-Quality Manufacturing Forum (demo)",
        "2026-04-22",
        "2026-04-22",
        "210200",
    ),
]

# sector -> (word in names zh, en, products [(zh, en)])
SECTOR_VOCAB = {
    "swimwear": (
        "泳装",
        "Swimwear",
        [
            ("泳装", "swimwear"),
            ("比基尼", "bikinis"),
            ("沙滩裤", "board shorts"),
            ("泳帽", "swim caps"),
        ],
    ),
    "suits": (
        "服装",
        "Garment",
        [
            ("西装", "suits"),
            ("衬衫", "shirts"),
            ("职业装", "work uniforms"),
            ("大衣", "overcoats"),
        ],
    ),
    "apparel": (
        "服饰",
        "Apparel",
        [
            ("休闲裤", "casual trousers"),
            ("牛仔裤", "jeans"),
            ("棉服", "padded jackets"),
            ("羽绒服", "down jackets"),
            ("T恤", "T-shirts"),
            ("童装", "childrenswear"),
        ],
    ),
    "leather_fur": (
        "皮草",
        "Fur",
        [
            ("皮草", "fur garments"),
            ("皮衣", "leather jackets"),
            ("皮具", "leather goods"),
        ],
    ),
    "socks": (
        "袜业",
        "Hosiery",
        [("袜子", "socks"), ("连裤袜", "tights"), ("运动袜", "sports socks")],
    ),
    "outdoor": (
        "户外用品",
        "Outdoor",
        [
            ("冲锋衣", "hardshell jackets"),
            ("滑雪服", "ski wear"),
            ("运动服", "sportswear"),
        ],
    ),
    "protective": (
        "防护用品",
        "Protective Products",
        [
            ("防护服", "protective clothing"),
            ("阻燃服", "flame-retardant workwear"),
            ("医用防护服", "medical protective gowns"),
        ],
    ),
    "qipao": (
        "旗袍",
        "Qipao",
        [("旗袍", "qipao"), ("汉服", "hanfu"), ("唐装", "Tang suits")],
    ),
    "embroidery": (
        "刺绣",
        "Embroidery",
        [("满绣", "Manchu embroidery"), ("刺绣工艺品", "embroidered crafts")],
    ),
    "silk": (
        "丝绸",
        "Silk",
        [
            ("柞蚕丝绸", "tussah silk"),
            ("真丝围巾", "silk scarves"),
            ("丝绸面料", "silk fabrics"),
        ],
    ),
    "textile": (
        "纺织",
        "Textile",
        [
            ("棉纱", "cotton yarn"),
            ("坯布", "grey fabric"),
            ("化纤面料", "synthetic fabrics"),
        ],
    ),
    "knitting": (
        "针织",
        "Knitting",
        [
            ("针织内衣", "knitted underwear"),
            ("毛衫", "sweaters"),
            ("针织面料", "knitted fabrics"),
        ],
    ),
    "home_textile": (
        "家纺",
        "Home Textile",
        [("床上用品", "bedding"), ("毛巾", "towels"), ("窗帘", "curtains")],
    ),
    "dyeing": (
        "印染",
        "Dyeing",
        [("印染加工", "dyeing and printing"), ("成衣水洗", "garment washing")],
    ),
    "technical": (
        "新材料",
        "New Materials",
        [
            ("无纺布", "nonwovens"),
            ("土工布", "geotextiles"),
            ("过滤材料", "filter media"),
        ],
    ),
    "accessories": (
        "辅料",
        "Trims",
        [("纽扣", "buttons"), ("拉链", "zippers"), ("服装辅料", "garment trims")],
    ),
}

BRAND_CHARS = (
    "海华兴盛丰宏鑫瑞隆泰金锦嘉美佳恒达源新天东北辽宇晨阳光明星月云雅丽秀彩虹蓝帆航远诚信德"
    "和顺安康福祥宁博众富茂林森凯威鹏龙"
)
EXTRA_BRANDS = ["大杨", "海韵", "锦程", "红蜻", "北极", "辽绣"]
SUFFIXES = [
    ("有限公司", "Co., Ltd."),
    ("有限责任公司", "Co., Ltd."),
    ("股份有限公司", "Joint Stock Co., Ltd."),
    ("集团有限公司", "Group Co., Ltd."),
    ("制衣厂", "Garment Factory"),
]
SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐"
    "许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
)
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红梅鹏辉玲丹凤海燕建国志宏"  # noqa: E501
ROADS = [
    "兴海",
    "建设",
    "人民",
    "胜利",
    "工业",
    "和平",
    "中华",
    "解放",
    "长江",
    "黄河",
    "振兴",
    "友谊",
    "文化",
    "滨海",
    "新华",
    "光明",
    "繁荣",
    "富民",
]

# City centroids (GCJ-02, approximate) for plausible map points.
CITY_CENTROIDS = {
    "210100": (41.80, 123.43),
    "210200": (38.91, 121.61),
    "210300": (41.11, 122.99),
    "210400": (41.88, 123.96),
    "210500": (41.29, 123.77),
    "210600": (40.12, 124.38),
    "210700": (41.10, 121.13),
    "210800": (40.67, 122.24),
    "210900": (42.02, 121.67),
    "211000": (41.27, 123.24),
    "211100": (41.12, 122.07),
    "211200": (42.29, 123.84),
    "211300": (41.57, 120.45),
    "211400": (40.71, 120.84),
}
