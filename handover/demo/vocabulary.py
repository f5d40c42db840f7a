"""Word lists the sample company is made of: names, places, industries, phrases.

Everything here is invented; e-mail addresses only ever use example.cn / example.com.
Chinese names carry their pinyin so addresses look like the ones a real CRM holds.
"""

from __future__ import annotations

SURNAMES = (
    ("王", "wang"), ("李", "li"), ("张", "zhang"), ("刘", "liu"), ("陈", "chen"), ("杨", "yang"),
    ("黄", "huang"), ("赵", "zhao"), ("吴", "wu"), ("周", "zhou"), ("徐", "xu"), ("孙", "sun"),
    ("马", "ma"), ("朱", "zhu"), ("胡", "hu"), ("郭", "guo"), ("何", "he"), ("高", "gao"),
    ("林", "lin"), ("罗", "luo"), ("郑", "zheng"), ("梁", "liang"), ("谢", "xie"), ("宋", "song"),
    ("唐", "tang"), ("许", "xu"), ("韩", "han"), ("冯", "feng"), ("邓", "deng"), ("曹", "cao"),
)
GIVEN_NAMES = (
    ("伟", "wei"), ("娜", "na"), ("敏", "min"), ("静", "jing"), ("丽", "li"), ("强", "qiang"),
    ("磊", "lei"), ("军", "jun"), ("洋", "yang"), ("勇", "yong"), ("艳", "yan"), ("杰", "jie"),
    ("娟", "juan"), ("涛", "tao"), ("明", "ming"), ("超", "chao"), ("秀英", "xiuying"), ("霞", "xia"),
    ("平", "ping"), ("刚", "gang"), ("桂英", "guiying"), ("芳", "fang"), ("婷", "ting"), ("浩", "hao"),
    ("宇", "yu"), ("欣怡", "xinyi"), ("子轩", "zixuan"), ("志强", "zhiqiang"), ("建华", "jianhua"),
    ("晓东", "xiaodong"), ("海燕", "haiyan"), ("雪", "xue"), ("鹏", "peng"), ("俊杰", "junjie"),
)
ENGLISH_FIRST = (
    "James", "Emma", "Oliver", "Sophia", "Liam", "Olivia", "Noah", "Ava", "Lucas", "Mia", "Ethan",
    "Chloe", "Daniel", "Grace", "Henry", "Hannah", "Samuel", "Isabel", "Jack", "Nora",
)
ENGLISH_LAST = (
    "Smith", "Johnson", "Brown", "Taylor", "Miller", "Wilson", "Moore", "Clark", "Walker", "Hall",
    "Young", "King", "Wright", "Scott", "Green", "Baker", "Adams", "Nelson", "Hill", "Campbell",
)

# Sales divisions: name, regions its reps cover (first = home region), share of the sales force,
# locale of its staff. Large forces split a division into numbered groups (see staff.py).
DIVISIONS = (
    ("华东大客户部", ("华东", "华中"), 0.36, "zh-CN"),
    ("华南销售部", ("华南", "西南"), 0.25, "zh-CN"),
    ("华北销售部", ("华北", "华中", "西南"), 0.25, "zh-CN"),
    ("International", ("海外",), 0.14, "en"),
)
GROUP_NUMERALS = "一二三四五六七八九十"

DOMESTIC_REGIONS = ("华东", "华南", "华北", "华中", "西南")
OVERSEAS = "海外"

CITIES = {
    "华东": ("上海", "杭州", "南京", "苏州", "宁波", "合肥", "无锡", "厦门", "济南", "青岛", "福州"),
    "华南": ("广州", "深圳", "东莞", "佛山", "珠海", "南宁", "海口", "中山"),
    "华北": ("北京", "天津", "石家庄", "太原", "呼和浩特", "唐山", "保定"),
    "华中": ("武汉", "长沙", "郑州", "南昌", "洛阳", "宜昌"),
    "西南": ("成都", "重庆", "昆明", "贵阳", "绵阳"),
}
COUNTRIES = (
    ("Singapore", "Pte. Ltd.", "+65"), ("Germany", "GmbH", "+49"), ("United States", "Inc.", "+1"),
    ("United Kingdom", "Ltd.", "+44"), ("Japan", "K.K.", "+81"), ("Malaysia", "Sdn. Bhd.", "+60"),
    ("Australia", "Pty Ltd", "+61"), ("Netherlands", "B.V.", "+31"),
)

INDUSTRIES = ("制造业", "零售", "金融", "医疗", "教育", "物流", "互联网", "能源", "建筑", "农业")
# What a company of the industry calls itself (Chinese name part, English name part).
INDUSTRY_WORDS = {
    "制造业": (("精密制造", "Precision Manufacturing"), ("机械", "Machinery"), ("电子", "Electronics"),
            ("新材料", "Advanced Materials"), ("汽车零部件", "Auto Parts")),
    "零售": (("商贸", "Trading"), ("百货", "Retail"), ("连锁超市", "Supermarkets"), ("电器", "Appliances")),
    "金融": (("融资租赁", "Leasing"), ("投资管理", "Capital"), ("保险代理", "Insurance Brokers")),
    "医疗": (("医疗器械", "Medical Devices"), ("生物科技", "Biotech"), ("医药", "Pharma"),
           ("健康管理", "Health")),
    "教育": (("教育科技", "EdTech"), ("培训学校", "Learning Centers"), ("文化传播", "Media & Learning")),
    "物流": (("物流", "Logistics"), ("供应链管理", "Supply Chain"), ("国际货运代理", "Freight")),
    "互联网": (("网络科技", "Digital"), ("信息技术", "Software"), ("数据科技", "Data Systems")),
    "能源": (("新能源", "Renewables"), ("电力设备", "Power Systems"), ("燃气", "Gas & Energy")),
    "建筑": (("建设工程", "Construction"), ("建材", "Building Materials"), ("装饰工程", "Interiors")),
    "农业": (("农业发展", "Agritech"), ("食品", "Foods"), ("生态农业", "Farms")),
}
BRAND_SYLLABLES = (
    "华", "腾", "鑫", "恒", "达", "博", "瑞", "泰", "盛", "德", "信", "汇", "宏", "源", "新", "天",
    "金", "海", "正", "安", "康", "嘉", "联", "中", "卓", "弘", "锦", "智", "远", "睿", "诚", "明",
)
ENGLISH_BRANDS = (
    "Northwind", "Bluepeak", "Crestline", "Harbor", "Evergreen", "Silverline", "Redwood", "Summit",
    "Brightwater", "Ironbridge", "Lakeside", "Oakmont", "Pinecrest", "Stonegate", "Westfield",
    "Aurora", "Keystone", "Meridian", "Horizon", "Sterling",
)
COMPANY_SUFFIXES = ("有限公司", "有限公司", "有限公司", "股份有限公司", "集团有限公司")
SIZES = {"zh-CN": ("大型", "中型", "小型", "微型"), "en": ("Large", "Medium", "Small", "Micro")}

PREFERENCES = {
    "zh-CN": (
        "偏好微信沟通", "周三上午不便", "只接受邮件报价", "决策人为财务总监", "需提前一天预约拜访",
        "对价格敏感", "重视售后响应速度", "年底集中采购", "不喜欢电话推销", "习惯下午沟通",
        "付款周期60天", "关注交付周期", "需开具增值税专用发票", "采购需走招标流程",
    ),
    "en": (
        "Prefers email", "No calls on Friday afternoons", "Decision maker is the CFO",
        "Price sensitive", "Values fast after-sales support", "Budget approved in Q4",
        "Book visits a week ahead", "Net 60 payment terms", "Purchases go through a tender",
    ),
}

PRODUCTS = {
    "zh-CN": ("CRM系统", "MES系统升级", "年度维保服务", "数据中台", "仓储管理系统", "智能客服",
              "设备采购", "培训服务", "云服务器扩容", "供应链协同平台"),
    "en": ("CRM rollout", "Support renewal", "Warehouse system", "Cloud expansion", "Analytics suite",
           "Training package", "Equipment purchase"),
}
OPEN_STAGES = {
    "zh-CN": ("初步接洽", "需求确认", "方案报价", "商务谈判"),
    "en": ("Prospecting", "Qualification", "Proposal", "Negotiation"),
}
CLOSED_STAGES = {"zh-CN": {"won": "赢单", "lost": "输单"}, "en": {"won": "Closed Won", "lost": "Closed Lost"}}

SUMMARIES = {
    "zh-CN": {
        "call": ("电话沟通续约意向", "电话确认报价反馈", "电话回访使用情况", "电话了解新项目预算"),
        "visit": ("上门拜访，演示新功能", "拜访采购负责人，了解年度计划", "现场巡检并收集需求"),
        "email": ("发送报价单", "邮件发送产品资料", "邮件确认合同条款", "发送节日问候"),
        "meeting": ("线上会议，讨论实施方案", "季度业务回顾会议", "与技术团队对接需求"),
        "order": ("客户下单", "追加订单", "年度框架订单下单"),
    },
    "en": {
        "call": ("Call about renewal", "Call to follow up on the quote", "Check-in call on usage"),
        "visit": ("On-site visit, product demo", "Met procurement about next year's plan"),
        "email": ("Sent the quote", "Sent product brochure", "Confirmed contract terms by email"),
        "meeting": ("Video call on the rollout plan", "Quarterly business review"),
        "order": ("Order placed", "Follow-on order", "Annual framework order"),
    },
}
FOLLOW_UPS = {
    "zh-CN": ("计划回访：确认报价反馈", "计划拜访：商谈续约", "计划电话：了解上线情况", "计划会议：方案评审"),
    "en": ("Planned: follow up on the quote", "Planned: renewal visit", "Planned: rollout check-in call"),
}
CONTRACT_TITLES = {"zh-CN": "{year}年度{product}合同", "en": "{product} agreement {year}"}
