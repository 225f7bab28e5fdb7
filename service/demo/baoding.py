"""Demo organisation, users and scoring criteria for the Baoding (保定市) federation.

Data only. The union structure follows the addressees of the federation's
notice on the innovation-work appraisal: county/city/district unions,
development-zone unions, industry and bureau unions, directly affiliated
grassroots unions and the federation's own departments. The districts,
counties and county-level cities are the real ones (容城、安新、雄县 are now
administered by the Xiong'an New Area but are kept for the demo; 定州 is
directly administered by the province but appears in Baoding statistics).

Every company name below is invented for the demo, as are all people's names.

``parent_code`` is the supervising union: per the rules, an enterprise under a
county, industry or bureau union submits through that union, which vets the
application; everything else submits directly to the federation.
"""

# --------------------------------------------------------------------------- units

ORG_UNITS: list[dict] = [
    # The federation itself (root).
    {"code": "BD", "name": "保定市总工会", "name_en": "Baoding Federation of Trade Unions",
     "type": "federation", "parent_code": None},

    # 市总机关各部（室）
    {"code": "BD-OFF", "name": "保定市总工会办公室", "name_en": "General Office",
     "type": "federation_department", "parent_code": "BD"},
    {"code": "BD-ORG", "name": "保定市总工会组织部", "name_en": "Organisation Department",
     "type": "federation_department", "parent_code": "BD"},
    {"code": "BD-RES", "name": "保定市总工会研究室", "name_en": "Policy Research Office",
     "type": "federation_department", "parent_code": "BD"},
    {"code": "BD-RIGHTS", "name": "保定市总工会权益保障部", "name_en": "Rights Protection Department",
     "type": "federation_department", "parent_code": "BD"},
    {"code": "BD-ECON", "name": "保定市总工会经济技术部", "name_en": "Economic and Technical Work Department",
     "type": "federation_department", "parent_code": "BD"},
    {"code": "BD-WOMEN", "name": "保定市总工会女职工部", "name_en": "Women Workers' Department",
     "type": "federation_department", "parent_code": "BD"},
    {"code": "BD-PUB", "name": "保定市总工会宣传教育部", "name_en": "Publicity and Education Department",
     "type": "federation_department", "parent_code": "BD"},
    {"code": "BD-FIN", "name": "保定市总工会财务部", "name_en": "Finance Department",
     "type": "federation_department", "parent_code": "BD"},
    {"code": "BD-LAW", "name": "保定市总工会法律工作部", "name_en": "Legal Affairs Department",
     "type": "federation_department", "parent_code": "BD"},
    {"code": "BD-AUDIT", "name": "保定市总工会经费审查委员会办公室", "name_en": "Funds Audit Committee Office",
     "type": "federation_department", "parent_code": "BD"},

    # 县（市）、区总工会 — districts
    {"code": "BD-JX", "name": "竞秀区总工会", "name_en": "Jingxiu District Federation of Trade Unions",
     "type": "county_union", "parent_code": "BD"},
    {"code": "BD-LC", "name": "莲池区总工会", "name_en": "Lianchi District Federation of Trade Unions",
     "type": "county_union", "parent_code": "BD"},
    {"code": "BD-MC", "name": "满城区总工会", "name_en": "Mancheng District Federation of Trade Unions",
     "type": "county_union", "parent_code": "BD"},
    {"code": "BD-QY", "name": "清苑区总工会", "name_en": "Qingyuan District Federation of Trade Unions",
     "type": "county_union", "parent_code": "BD"},
    {"code": "BD-XS", "name": "徐水区总工会", "name_en": "Xushui District Federation of Trade Unions",
     "type": "county_union", "parent_code": "BD"},
    # — counties
    {"code": "BD-LS", "name": "涞水县总工会", "name_en": "Laishui County Federation of Trade Unions",
     "type": "county_union", "parent_code": "BD"},
    {"code": "BD-FP", "name": "阜平县总工会", "name_en": "Fuping County Federation of Trade Unions",
     "type": "county_union", "parent_code": "BD"},
    {"code": "BD-DX", "name": "定兴县总工会", "name_en": "Dingxing County Federation of Trade Unions",
     "type": "county_union", "parent_code": "BD"},
    {"code": "BD-TX", "name": "唐县总工会", "name_en": "Tang County Federation of Trade Unions",
     "type": "county_union", "parent_code": "BD"},
    {"code": "BD-GY", "name": "高阳县总工会", "name_en": "Gaoyang County Federation of Trade Unions",
     "type": "county_union", "parent_code": "BD"},
    {"code": "BD-RC", "name": "容城县总工会", "name_en": "Rongcheng County Federation of Trade Unions",
     "type": "county_union", "parent_code": "BD"},
    {"code": "BD-LY", "name": "涞源县总工会", "name_en": "Laiyuan County Federation of Trade Unions",
     "type": "county_union", "parent_code": "BD"},
    {"code": "BD-WD", "name": "望都县总工会", "name_en": "Wangdu County Federation of Trade Unions",
     "type": "county_union", "parent_code": "BD"},
    {"code": "BD-AX", "name": "安新县总工会", "name_en": "Anxin County Federation of Trade Unions",
     "type": "county_union", "parent_code": "BD"},
    {"code": "BD-YX", "name": "易县总工会", "name_en": "Yi County Federation of Trade Unions",
     "type": "county_union", "parent_code": "BD"},
    {"code": "BD-QUY", "name": "曲阳县总工会", "name_en": "Quyang County Federation of Trade Unions",
     "type": "county_union", "parent_code": "BD"},
    {"code": "BD-LX", "name": "蠡县总工会", "name_en": "Li County Federation of Trade Unions",
     "type": "county_union", "parent_code": "BD"},
    {"code": "BD-SP", "name": "顺平县总工会", "name_en": "Shunping County Federation of Trade Unions",
     "type": "county_union", "parent_code": "BD"},
    {"code": "BD-BY", "name": "博野县总工会", "name_en": "Boye County Federation of Trade Unions",
     "type": "county_union", "parent_code": "BD"},
    {"code": "BD-XIONG", "name": "雄县总工会", "name_en": "Xiong County Federation of Trade Unions",
     "type": "county_union", "parent_code": "BD"},
    # — county-level cities
    {"code": "BD-ZZ", "name": "涿州市总工会", "name_en": "Zhuozhou City Federation of Trade Unions",
     "type": "county_union", "parent_code": "BD"},
    {"code": "BD-DZ", "name": "定州市总工会", "name_en": "Dingzhou City Federation of Trade Unions",
     "type": "county_union", "parent_code": "BD"},
    {"code": "BD-AG", "name": "安国市总工会", "name_en": "Anguo City Federation of Trade Unions",
     "type": "county_union", "parent_code": "BD"},
    {"code": "BD-GBD", "name": "高碑店市总工会", "name_en": "Gaobeidian City Federation of Trade Unions",
     "type": "county_union", "parent_code": "BD"},

    # 开发区工会
    {"code": "BD-HTZ", "name": "保定国家高新技术产业开发区工会",
     "name_en": "Baoding National High-tech Industrial Development Zone Trade Union",
     "type": "development_zone_union", "parent_code": "BD"},
    {"code": "BD-BGX", "name": "白沟新城工会", "name_en": "Baigou New City Trade Union",
     "type": "development_zone_union", "parent_code": "BD"},

    # 产业工会
    {"code": "BD-EDU", "name": "保定市教育工会", "name_en": "Baoding Education Trade Union",
     "type": "industry_union", "parent_code": "BD"},
    {"code": "BD-HEALTH", "name": "保定市卫生健康工会", "name_en": "Baoding Health Trade Union",
     "type": "industry_union", "parent_code": "BD"},
    {"code": "BD-MECH", "name": "保定市机械冶金工会", "name_en": "Baoding Machinery and Metallurgy Trade Union",
     "type": "industry_union", "parent_code": "BD"},
    {"code": "BD-FINU", "name": "保定市金融工会", "name_en": "Baoding Finance Sector Trade Union",
     "type": "industry_union", "parent_code": "BD"},

    # 局工会
    {"code": "BD-TRANS", "name": "保定市交通运输局工会", "name_en": "Baoding Transport Bureau Trade Union",
     "type": "bureau_union", "parent_code": "BD"},
    {"code": "BD-HOUSING", "name": "保定市住房和城乡建设局工会",
     "name_en": "Baoding Housing and Urban-Rural Development Bureau Trade Union",
     "type": "bureau_union", "parent_code": "BD"},
    {"code": "BD-WATER", "name": "保定市水利局工会", "name_en": "Baoding Water Resources Bureau Trade Union",
     "type": "bureau_union", "parent_code": "BD"},

    # 市直属基层工会 (invented companies)
    {"code": "BD-DG-HC", "name": "保定鸿川汽车零部件集团有限公司工会",
     "name_en": "Baoding Hongchuan Auto Parts Group Co., Ltd. Trade Union",
     "type": "direct_grassroots_union", "parent_code": "BD"},
    {"code": "BD-DG-BY", "name": "保定北岳新能源装备有限公司工会",
     "name_en": "Baoding Beiyue New Energy Equipment Co., Ltd. Trade Union",
     "type": "direct_grassroots_union", "parent_code": "BD"},
    {"code": "BD-DG-YS", "name": "保定裕盛输变电设备有限公司工会",
     "name_en": "Baoding Yusheng Power Transmission Equipment Co., Ltd. Trade Union",
     "type": "direct_grassroots_union", "parent_code": "BD"},

    # 县（产业、局）属企业工会 (invented companies) — submit through their parent union
    {"code": "BD-JX-HY", "name": "保定恒岳精工机械有限公司工会",
     "name_en": "Baoding Hengyue Precision Machinery Co., Ltd. Trade Union",
     "type": "enterprise", "parent_code": "BD-JX"},
    {"code": "BD-JX-RF", "name": "保定瑞丰源食品有限公司工会",
     "name_en": "Baoding Ruifengyuan Foods Co., Ltd. Trade Union",
     "type": "enterprise", "parent_code": "BD-JX"},
    {"code": "BD-LC-GY", "name": "保定古韵坊文化传媒有限公司工会",
     "name_en": "Baoding Guyunfang Culture Media Co., Ltd. Trade Union",
     "type": "enterprise", "parent_code": "BD-LC"},
    {"code": "BD-XS-QH", "name": "保定启航新材料科技有限公司工会",
     "name_en": "Baoding Qihang New Materials Technology Co., Ltd. Trade Union",
     "type": "enterprise", "parent_code": "BD-XS"},
    {"code": "BD-ZZ-XH", "name": "涿州新禾农机装备有限公司工会",
     "name_en": "Zhuozhou Xinhe Agricultural Machinery Co., Ltd. Trade Union",
     "type": "enterprise", "parent_code": "BD-ZZ"},
    {"code": "BD-GY-JX", "name": "高阳锦绣坊纺织有限公司工会",
     "name_en": "Gaoyang Jinxiufang Textiles Co., Ltd. Trade Union",
     "type": "enterprise", "parent_code": "BD-GY"},
    {"code": "BD-AG-BC", "name": "安国本草源中药饮片有限公司工会",
     "name_en": "Anguo Bencaoyuan Herbal Pieces Co., Ltd. Trade Union",
     "type": "enterprise", "parent_code": "BD-AG"},
    {"code": "BD-LX-YH", "name": "蠡县裕华皮革制品有限公司工会",
     "name_en": "Lixian Yuhua Leather Products Co., Ltd. Trade Union",
     "type": "enterprise", "parent_code": "BD-LX"},
    {"code": "BD-DZ-HR", "name": "定州恒瑞体育器材有限公司工会",
     "name_en": "Dingzhou Hengrui Sports Equipment Co., Ltd. Trade Union",
     "type": "enterprise", "parent_code": "BD-DZ"},
    {"code": "BD-MECH-HR", "name": "保定弘锐齿轮传动有限公司工会",
     "name_en": "Baoding Hongrui Gear Transmission Co., Ltd. Trade Union",
     "type": "enterprise", "parent_code": "BD-MECH"},
    {"code": "BD-HEALTH-RZ", "name": "保定仁泽医疗器械有限公司工会",
     "name_en": "Baoding Renze Medical Devices Co., Ltd. Trade Union",
     "type": "enterprise", "parent_code": "BD-HEALTH"},
    {"code": "BD-FINU-HX", "name": "保定汇信融资担保有限公司工会",
     "name_en": "Baoding Huixin Financing Guarantee Co., Ltd. Trade Union",
     "type": "enterprise", "parent_code": "BD-FINU"},
    {"code": "BD-TRANS-TQ", "name": "保定通衢公路养护工程有限公司工会",
     "name_en": "Baoding Tongqu Highway Maintenance Engineering Co., Ltd. Trade Union",
     "type": "enterprise", "parent_code": "BD-TRANS"},
    {"code": "BD-HOUSING-ZA", "name": "保定筑安建设工程有限公司工会",
     "name_en": "Baoding Zhu'an Construction Engineering Co., Ltd. Trade Union",
     "type": "enterprise", "parent_code": "BD-HOUSING"},
]

# --------------------------------------------------------------------------- users

ROLES: list[str] = [
    "unit_submitter",   # fills in the 申报表 for their unit
    "unit_leader",      # 主要领导签字把关 before it leaves the unit
    "vetter",           # supervising union checks its enterprises' applications
    "leading_group",    # 领导小组 member: preliminary review (初评)
    "group_leader",     # 组长: signs off the preliminary list and the proposed grades
    "office",           # 领导小组办公室 (研究室): day-to-day handling, proposes grades
    "scorer",           # 民主测评 scorer after the public presentation
    "chair_office",     # 主席办公会: final decision
    "process_admin",    # maintains process definitions, calendars and users
]

# For the demo only — never use a shared, published password outside a demo.
DEMO_PASSWORD = "demo-pass-2026"

DEMO_USERS: list[dict] = [
    # Federation leadership and the appraisal office
    {"username": "group_leader", "display_name": "孟庆华", "unit_code": "BD", "roles": ["group_leader"]},
    {"username": "lg_member1", "display_name": "韩志刚", "unit_code": "BD", "roles": ["leading_group"]},
    {"username": "lg_member2", "display_name": "杜秀梅", "unit_code": "BD", "roles": ["leading_group"]},
    {"username": "lg_member3", "display_name": "冯立新", "unit_code": "BD", "roles": ["leading_group"]},
    {"username": "res_office1", "display_name": "曹丽娟", "unit_code": "BD-RES", "roles": ["office"]},
    {"username": "res_office2", "display_name": "彭宇航", "unit_code": "BD-RES", "roles": ["office"]},
    {"username": "chair_office", "display_name": "谢文涛", "unit_code": "BD-OFF", "roles": ["chair_office"]},
    {"username": "process_admin", "display_name": "邱海峰", "unit_code": "BD-OFF", "roles": ["process_admin"]},

    # 竞秀区总工会: submits its own work and vets its enterprises
    {"username": "jx_submitter", "display_name": "刘晓燕", "unit_code": "BD-JX", "roles": ["unit_submitter"]},
    {"username": "jx_leader", "display_name": "王建国", "unit_code": "BD-JX", "roles": ["unit_leader"]},
    {"username": "jx_vetter", "display_name": "赵春生", "unit_code": "BD-JX", "roles": ["vetter"]},

    # Enterprise under 竞秀区总工会
    {"username": "hy_submitter", "display_name": "孙丽华", "unit_code": "BD-JX-HY", "roles": ["unit_submitter"]},
    {"username": "hy_leader", "display_name": "周永强", "unit_code": "BD-JX-HY", "roles": ["unit_leader"]},

    # 市卫生健康工会 and an enterprise under it
    {"username": "health_vetter", "display_name": "吴静", "unit_code": "BD-HEALTH", "roles": ["vetter"]},
    {"username": "rz_submitter", "display_name": "郑雅琴", "unit_code": "BD-HEALTH-RZ", "roles": ["unit_submitter"]},
    {"username": "rz_leader", "display_name": "钱振华", "unit_code": "BD-HEALTH-RZ", "roles": ["unit_leader"]},

    # 市直属基层工会
    {"username": "hc_submitter", "display_name": "陈思远", "unit_code": "BD-DG-HC", "roles": ["unit_submitter"]},
    {"username": "hc_leader", "display_name": "黄国栋", "unit_code": "BD-DG-HC", "roles": ["unit_leader"]},

    # 市总机关部室 (departments apply directly too)
    {"username": "econ_submitter", "display_name": "林晓东", "unit_code": "BD-ECON", "roles": ["unit_submitter"]},
    {"username": "econ_leader", "display_name": "何建平", "unit_code": "BD-ECON", "roles": ["unit_leader"]},

    # 开发区工会
    {"username": "htz_submitter", "display_name": "高明轩", "unit_code": "BD-HTZ", "roles": ["unit_submitter"]},
    {"username": "htz_leader", "display_name": "罗红梅", "unit_code": "BD-HTZ", "roles": ["unit_leader"]},

    # 民主测评 scorers. scorer_jx recuses for 竞秀区 itself and for its enterprises
    # (supervising union); scorer_hc recuses for 鸿川集团's own application.
    {"username": "scorer_jx", "display_name": "梁志伟", "unit_code": "BD-JX", "roles": ["scorer"]},
    {"username": "scorer_hc", "display_name": "宋玉兰", "unit_code": "BD-DG-HC", "roles": ["scorer"]},
    {"username": "scorer_org", "display_name": "唐国强", "unit_code": "BD-ORG", "roles": ["scorer"]},
    {"username": "scorer_rights", "display_name": "许文静", "unit_code": "BD-RIGHTS", "roles": ["scorer"]},
    {"username": "scorer_women", "display_name": "邓淑芬", "unit_code": "BD-WOMEN", "roles": ["scorer"]},
    {"username": "scorer_pub", "display_name": "萧振宇", "unit_code": "BD-PUB", "roles": ["scorer"]},
    {"username": "scorer_lc", "display_name": "田立军", "unit_code": "BD-LC", "roles": ["scorer"]},
    {"username": "scorer_edu", "display_name": "潘秀云", "unit_code": "BD-EDU", "roles": ["scorer"]},
    {"username": "scorer_trans", "display_name": "袁德胜", "unit_code": "BD-TRANS", "roles": ["scorer"]},
]

SCORER_USERNAMES: list[str] = [
    "scorer_jx",
    "scorer_hc",
    "scorer_org",
    "scorer_rights",
    "scorer_women",
    "scorer_pub",
    "scorer_lc",
    "scorer_edu",
    "scorer_trans",
]

# --------------------------------------------------------------------------- scoring

# Weights sum to 100; each criterion is scored 0–100. Drawn from the rules'
# 创新性、革新性、创意性、特色性和推广价值 and the listed recognition conditions.
DEFAULT_CRITERIA: list[dict] = [
    {"code": "innovation", "name": "创新性", "weight": 30, "max": 100,
     "description": "思路、方法、措施是否有创新、有特色，是否破解了体制机制或热点难点问题"},
    {"code": "effectiveness", "name": "实效性", "weight": 25, "max": 100,
     "description": "经过一段时期实践验证，取得的具体效果和社会价值"},
    {"code": "promotion", "name": "推广价值", "weight": 20, "max": 100,
     "description": "对全市工会工作是否具有借鉴和指导意义，能否复制推广"},
    {"code": "recognition", "name": "认可程度", "weight": 15, "max": 100,
     "description": "得到上级领导、部门、媒体或基层职工群众肯定的层级与范围"},
    {"code": "standardization", "name": "规范性", "weight": 10, "max": 100,
     "description": "运作格局是否完整、制度化，申报材料是否精练具体、实事求是"},
]

DEFAULT_GRADES: list[str] = ["一等奖", "二等奖", "三等奖", "不授奖"]
NO_AWARD_GRADE = "不授奖"


# --------------------------------------------------------------------------- sample application

# A complete application, as the demo walk-through, the tests and the benchmarks submit it.
SAMPLE_APPLICATION: dict = {
    "applicant_type": "collective",
    "applicant_name": "竞秀区总工会网格化服务工作专班",
    "contact_person": "刘晓燕",
    "contact_phone": "0312-5551234",
    "theme": "“职工之家”网格化服务机制",
    "content": "将辖区划分为服务网格，每个网格配备工会联络员，实现职工诉求24小时响应。",
    "proposer": "竞秀区总工会主席办公会于2026年3月首先提出",
    "refinement": "经过两轮试点，于6月形成制度化运作规程。",
    "effects": "覆盖职工3.2万人，解决诉求1,260件，满意率98%。",
    "recognitions": [{"level": "municipal", "department": "保定市委组织部", "date": "2026-09-10"}],
    "category": "4",
    "conditions": ["2", "3"],
}
