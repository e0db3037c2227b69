"""Chinese copy for the LIF benefits of the demo catalogue (see the package docstring)."""

# fmt: off
COPY: dict[str, dict[str, str]] = {
    "Home cleaning": {
        "description": "经过背景审核的保洁阿姨上门做3小时日常保洁，包括客厅卧室除尘、"
            "厨房台面和卫生间清洁、地面清洁，清洁工具和用品由阿姨自带。",
        "how_to_use": "在金管家App「权益」-「生活」选择上门日期和时段并填写地址，至少提前1天预约；"
            "如需改约，请在上门前4小时操作。",
        "unit": "次", "provider": "58到家",
        "provider_notes_en": "Confirm the cleaner and time within 2 hours of the booking; record "
            "the start and end times and ask the customer to confirm in the app.",
        "provider_notes": "收到预约后2小时内确认保洁员和上门时间；记录服务起止时间，"
            "服务结束请客户在App确认。",
    },
    "Appliance cleaning": {
        "description": "家电深度清洗一台，可选空调、油烟机或洗衣机，拆洗除垢、杀菌消毒，"
            "改善异味和油污。",
        "how_to_use": "在金管家App「权益」-「生活」选择要清洗的家电类型和上门时间，"
            "建议提前2天预约，师傅上门前会电话联系。",
        "unit": "台", "provider": "58到家",
        "provider_notes_en": "Confirm the appointment within 4 hours; record the appliance type "
            "and take before-and-after photos for the service record.",
        "provider_notes": "收到预约后4小时内确认上门时间；记录清洗的家电类型，"
            "并拍摄清洗前后照片存档。",
    },
    "Home repair call-out": {
        "description": "水管漏水、电路跳闸、门锁故障等家居问题，维修师傅上门处理。"
            "上门费和人工费全免，更换的配件按实际价格自付。",
        "how_to_use": "拨打95511转家居维修，或在金管家App「权益」-「生活」提交报修，"
            "说明问题和地址，师傅24小时内上门。",
        "unit": "次", "provider": "58到家",
        "provider_notes_en": "Visit within 24 hours of the request; quote the price of parts and "
            "get the customer's agreement before fitting them.",
        "provider_notes": "接单后24小时内上门；如需更换配件，须先向客户报价并征得同意。",
    },
    "Spring Festival deep cleaning": {
        "description": "春节前的全屋大扫除，两位保洁员上门服务一整天，包括门窗玻璃、厨房油污、"
            "卫生间除垢和柜面除尘。",
        "how_to_use": "每年12月起可在金管家App「权益」-「生活」预约，节前名额紧张，"
            "建议尽早锁定日期。",
        "unit": "次", "provider": "58到家",
        "provider_notes_en": "Confirm the date within 24 hours of the booking; send a team of two "
            "for the full day and report completion in the app.",
        "provider_notes": "收到预约后24小时内确认日期；安排两名保洁员全天服务，完成后在App回传。",
    },
    "Restaurant reservation": {
        "description": "礼宾团队为您查找并预订热门餐厅，包括一位难求的网红餐厅和高端餐厅，"
            "不限次数。餐费自理。",
        "how_to_use": "拨打95511转礼宾专线，告知用餐日期、人数、口味偏好和预算，"
            "礼宾顾问订好后会短信通知您。",
        "unit": "次", "provider": "Aspire Lifestyles礼宾",
        "provider_notes_en": "Reply to the customer within 2 hours with the booking or "
            "alternatives; record the restaurant, date and party size.",
        "provider_notes": "2小时内回复客户预订结果或备选方案；记录餐厅名称、日期和用餐人数。",
    },
    "Michelin restaurant dinner": {
        "description": "合作米其林星级餐厅双人晚餐一次，含主厨套餐，适合纪念日或商务宴请。",
        "how_to_use": "请联系您的专属服务经理，告知城市、日期和饮食禁忌，由服务经理为您订位。",
        "unit": "次", "provider": "Aspire Lifestyles礼宾",
        "provider_notes_en": "Confirm the table within 24 hours and pass any dietary needs to the "
            "restaurant; report the date and number of guests after the dinner.",
        "provider_notes": "24小时内确认订位并将饮食禁忌告知餐厅；用餐后回传日期和人数。",
    },
    "Healthy meal delivery": {
        "description": "营养师配餐的低盐低糖健康餐，送到家中或办公室，适合控糖、控压和健身人群。"
            "每次1份。",
        "how_to_use": "在金管家App「权益」-「生活」选择餐品和送达时间，需提前1天下单。",
        "unit": "份", "provider": "合作健康餐厨房",
        "provider_notes_en": "Confirm each order the day before and deliver within the chosen "
            "time slot; report delivery in the app.",
        "provider_notes": "前一天确认订单，在客户选择的时段内送达，并在App回传送达状态。",
    },
    "Private chef at home": {
        "description": "私厨上门为您和客人做一桌晚宴，最多8位，从采购、烹饪到餐后收拾全包。",
        "how_to_use": "请至少提前一周联系您的专属服务经理，告知日期、人数和口味偏好，"
            "厨师会与您确认菜单。",
        "unit": "次", "provider": "Aspire Lifestyles礼宾",
        "provider_notes_en": "Agree the menu with the customer at least three days before the "
            "dinner; record the number of guests and report completion the next day.",
        "provider_notes": "至少提前3天与客户确认菜单；记录用餐人数，次日回传服务完成情况。",
    },
    "Child growth assessment": {
        "description": "儿科医生为孩子评估身高、体重和生长发育情况，并给出喂养、运动和睡眠建议，"
            "适用于0至17周岁儿童，可为家中孩子预约（每年1次可由家人使用）。",
        "how_to_use": "在金管家App「权益」-「亲子」为孩子预约线上视频评估或到合作门诊面诊，"
            "请准备好孩子近期的身高体重记录。",
        "unit": "次", "provider": "平安好医生",
        "provider_notes_en": "Confirm the appointment within 24 hours; upload the paediatrician's "
            "report to the app within 2 working days.",
        "provider_notes": "收到预约后24小时内确认；评估后2个工作日内将儿科医生报告上传至App。",
    },
    "Pregnancy health consultation": {
        "description": "产科医生在线解答孕期检查、饮食营养和身体不适等问题，图文或视频问诊均可。",
        "how_to_use": "在金管家App「母婴」频道发起问诊，描述孕周和想咨询的问题，"
            "通常几分钟内有医生接诊。",
        "unit": "次", "provider": "平安好医生",
        "provider_notes_en": "A doctor answers within 10 minutes; refer the customer to a "
            "hospital at once for warning signs and record the referral.",
        "provider_notes": "医生10分钟内接诊；发现危险信号须立即建议客户就医，并记录转诊情况。",
    },
    "Newborn care home visit": {
        "description": "宝宝出生后满月内，母婴护理师上门检查宝宝情况，手把手指导喂养、"
            "洗澡和脐带护理。可与家人共享，每年1次可由家人使用。",
        "how_to_use": "宝宝出生后，在金管家App「权益」-「亲子」预约上门时间并填写地址。",
        "unit": "次", "provider": "合作母婴护理机构",
        "provider_notes_en": "Confirm the visit within 24 hours; visit within the baby's first "
            "month and leave a written care summary with the family.",
        "provider_notes": "收到预约后24小时内确认；在宝宝满月内上门，并给家长留一份书面护理要点。",
    },
    "Summer camp place": {
        "description": "一周主题夏令营名额一个，科学、运动或自然探索方向可选，适合8至17周岁孩子，"
            "可为家中孩子报名（每年1个名额可由家人使用）。",
        "how_to_use": "每年春季营期开放报名后，在金管家App「权益」-「亲子」为孩子报名，名额有限，"
            "先到先得。",
        "unit": "人次", "provider": "合作青少年营地",
        "provider_notes_en": "Confirm the place and send the camp guide within 3 working days of "
            "registration; report attendance after the camp.",
        "provider_notes": "报名后3个工作日内确认名额并发送营地须知；营期结束后回传出勤情况。",
    },
    "Parenting lecture": {
        "description": "儿科医生和教育专家主讲的育儿讲座，话题涵盖儿童健康、睡眠和学习习惯，"
            "线上线下均有场次。",
        "how_to_use": "在金管家App「权益」-「亲子」选择场次报名，或请您的代理人为您发送邀请。",
        "unit": "场", "provider": "平安人寿",
        "provider_notes_en": "Send the sign-up list to the venue the day before; record who "
            "attended.",
        "provider_notes": "讲座前一天将报名名单发送给会场；记录实际到场人员。",
    },
    "Postnatal recovery package": {
        "description": "产后康复套餐共10次，包括盆底肌修复和腹直肌分离修复，"
            "由康复治疗师一对一进行。",
        "how_to_use": "在金管家App「权益」-「亲子」购买套餐后，在App预约合作康复中心和时间，"
            "每次到店核销1次。",
        "unit": "次", "provider": "合作产后康复中心",
        "provider_notes_en": "Confirm each session within 24 hours of the booking and record it "
            "against the ten-session package.",
        "provider_notes": "每次预约后24小时内确认；每次治疗后核销，套餐共10次。",
    },
    "24-hour concierge line": {
        "description": "7×24小时礼宾热线，代订餐厅、代选礼品、代购票务及其他生活需求，随时响应，"
            "不限次数。所订商品或服务的费用需自付。",
        "how_to_use": "拨打95511，按提示选择礼宾服务，告诉礼宾顾问您的需求即可。",
        "unit": "次", "provider": "Aspire Lifestyles礼宾",
        "provider_notes_en": "Answer within 30 seconds at any hour; log each request and its "
            "outcome, and quote any cost before booking.",
        "provider_notes": "全天候30秒内接听；每项需求及处理结果须记录，涉及费用须先向客户报价。",
    },
    "Event ticket booking": {
        "description": "热门演唱会、话剧演出和体育赛事一票难求时，礼宾团队帮您抢订门票。"
            "门票按实际票价自付。",
        "how_to_use": "请联系您的专属服务经理，告知演出或赛事名称、场次和所需张数。",
        "unit": "次", "provider": "Aspire Lifestyles礼宾",
        "provider_notes_en": "Tell the service manager within 24 hours whether seats are "
            "available and at what price; book only after the customer agrees.",
        "provider_notes": "24小时内告知服务经理是否有票及票价；客户确认后再下单。",
    },
    "Personal shopping assistant": {
        "description": "专业造型师陪同购物半天，根据场合和身形给出搭配建议，帮您高效挑选。",
        "how_to_use": "请联系您的专属服务经理，告知日期、城市和购物需求，"
            "由服务经理为您预约造型师。",
        "unit": "次", "provider": "Aspire Lifestyles礼宾",
        "provider_notes_en": "Confirm the stylist within 48 hours; record the date and duration "
            "of the half-day session.",
        "provider_notes": "收到需求后48小时内确认造型师；记录服务日期和时长（半天）。",
    },
    "Art salon": {
        "description": "在北京、上海、深圳的美术馆举办的私享看展活动，由策展人导览，"
            "并与藏家面对面交流。可与家人共享，每年1次可由家人使用。",
        "how_to_use": "专属服务经理会向您发送邀请，回复确认即可预留席位。",
        "unit": "场", "provider": "UCCA尤伦斯当代艺术中心",
        "provider_notes_en": "Send the guest list to the gallery two days before; record who "
            "attended each salon.",
        "provider_notes": "活动前两天将嘉宾名单发送给美术馆；记录每场实际出席人员。",
    },
    "Museum private tour": {
        "description": "知名博物馆小团专场导览，由专家讲解展品背后的历史与故事，"
            "适合带孩子一起参加。",
        "how_to_use": "导览场次公布后，在金管家App「权益」-「文化」报名，名额有限。",
        "unit": "场", "provider": "合作博物馆",
        "provider_notes_en": "Confirm the group list two days before the tour; report attendance "
            "afterwards.",
        "provider_notes": "导览前两天确认参加名单；活动结束后回传出席情况。",
    },
    "Calligraphy and tea class": {
        "description": "小班书法课或茶艺课，老师现场示范、逐一指导，零基础也能上手，"
            "笔墨和茶具由工作室提供。",
        "how_to_use": "在金管家App「权益」-「文化」选择课程、门店和上课时间预约。",
        "unit": "节", "provider": "合作文化工作室",
        "provider_notes_en": "Confirm the booking within 24 hours and mark attendance after each "
            "class.",
        "provider_notes": "收到预约后24小时内确认；每节课后登记出勤。",
    },
    "Concert tickets": {
        "description": "合作音乐厅演出门票，每次2张，可选古典、民乐等场次。",
        "how_to_use": "在金管家App「权益」-「文化」选择演出场次，领取电子票，"
            "入场时出示电子票二维码。",
        "unit": "场", "provider": "合作音乐厅",
        "provider_notes_en": "Issue the two e-tickets within 24 hours of the choice; report the "
            "performance and seats.",
        "provider_notes": "客户选定场次后24小时内出具两张电子票；回传演出场次和座位号。",
    },
}
