"""Chinese copy for the WLT benefits of the demo catalogue (see the package docstring)."""

# fmt: off
COPY: dict[str, dict[str, str]] = {
    "Wealth salon": {
        "description": "在您所在城市举办的理财沙龙，讲解市场形势、保险规划和家庭理财，"
            "现场可自由提问。可携家人参加，每年1次可由家人使用。",
        "how_to_use": "您的代理人会发送活动邀请，在金管家App中回复确认并选择参加人数即可预留座位。",
        "unit": "场", "provider": "平安人寿",
        "provider_notes_en": "Send the seat list to the venue the day before; record attendance "
            "and note any follow-up a customer asks for.",
        "provider_notes": "活动前一天将座位名单发送给会场；记录实际出席人员，"
            "以及客户提出的后续咨询需求。",
    },
    "Private wealth dinner": {
        "description": "小范围私享晚宴，"
            "与投资策略师及其他高端客户面对面交流市场观点和资产配置思路。",
        "how_to_use": "专属服务经理会向您发送邀请，回复确认即可预留席位。",
        "unit": "场", "provider": "平安银行私人银行",
        "provider_notes_en": "Confirm the guest list three days before the dinner; record who "
            "attended.",
        "provider_notes": "晚宴前三天确认嘉宾名单；记录实际出席人员。",
    },
    "Economic outlook forum": {
        "description": "一年一度的经济展望论坛，经济学家解读来年宏观经济和市场走势，内容仅供参考，"
            "不构成投资建议。",
        "how_to_use": "您的代理人会发送论坛邀请，在金管家App中回复确认即可预留座位。",
        "unit": "场", "provider": "平安资产管理",
        "provider_notes_en": "Send the seat list to the venue two days before the forum; record "
            "attendance.",
        "provider_notes": "论坛前两天将座位名单发送给会场；记录实际出席人员。",
    },
    "Children's money camp": {
        "description": "为期两天的少儿财商营，通过游戏和实践让8至17周岁的孩子学会储蓄、"
            "消费和投资的基本道理，可为家中孩子报名（每年1个名额可由家人使用）。",
        "how_to_use": "营期公布后，在金管家App「权益」-「财富」为孩子报名，名额有限。",
        "unit": "人次", "provider": "平安人寿",
        "provider_notes_en": "Confirm the place within 3 working days of registration; check the "
            "child's age and record attendance on both days.",
        "provider_notes": "报名后3个工作日内确认名额；核对孩子年龄，并记录两天的出勤情况。",
    },
    "Family financial review": {
        "description": "理财规划师梳理您家庭的收入、资产、负债和保障情况，"
            "出具一份书面家庭财务规划报告。",
        "how_to_use": "请联系您的代理人，预约与理财规划师面谈，提前准备好家庭收支和现有保单信息。",
        "unit": "次", "provider": "平安人寿",
        "provider_notes_en": "Hold the meeting within 10 working days of the request and deliver "
            "the written plan within 5 working days after it.",
        "provider_notes": "收到预约后10个工作日内安排面谈，面谈后5个工作日内交付书面规划报告。",
    },
    "Insurance policy review": {
        "description": "代理人帮您把全家保单逐一梳理，找出保障缺口和重复投保，给出调整建议。",
        "how_to_use": "直接联系您的代理人，或在金管家App「保单」-「保单检视」提交申请。",
        "unit": "次", "provider": "平安人寿",
        "provider_notes_en": "Contact the customer within 2 working days and record the gaps and "
            "overlaps found in the review.",
        "provider_notes": "收到申请后2个工作日内联系客户；记录检视发现的保障缺口和重复保障。",
    },
    "Retirement planning consultation": {
        "description": "规划师根据您的社保养老金、年金保险和储蓄，测算退休后每月大约能有多少收入，"
            "并给出补充建议。持有年金险保单的客户可享。",
        "how_to_use": "请联系您的代理人预约规划师，提前准备好社保缴费记录和年金保单信息。",
        "unit": "次", "provider": "平安人寿",
        "provider_notes_en": "Hold the consultation within 10 working days of the request; record "
            "the projected monthly retirement income given to the customer.",
        "provider_notes": "收到预约后10个工作日内安排咨询；记录向客户给出的退休后月收入测算结果。",
    },
    "Family office consultation": {
        "description": "家族办公室团队与您面谈，围绕资产配置、家族治理和财富传承给出整体方案。",
        "how_to_use": "由您的专属服务经理为您安排会面时间和地点。",
        "unit": "次", "provider": "平安信托",
        "provider_notes_en": "Schedule the meeting within 5 working days of the request; keep the "
            "meeting notes confidential and share them only with the customer.",
        "provider_notes": "收到需求后5个工作日内安排会面；会议纪要严格保密，仅提供给客户本人。",
    },
    "Family trust set-up advice": {
        "description": "信托专家为您讲解家族信托和保险金信托的设立方式、架构选择和费用构成，"
            "帮助判断是否适合您的家庭。",
        "how_to_use": "由您的专属服务经理为您预约信托专家面谈。",
        "unit": "次", "provider": "平安信托",
        "provider_notes_en": "Schedule the meeting within 5 working days; give the customer a "
            "written summary of the structures and costs discussed.",
        "provider_notes": "5个工作日内安排面谈；会后向客户提供书面摘要，列明讨论的架构和费用。",
    },
    "Succession planning workshop": {
        "description": "半天的财富传承工作坊，律师和税务顾问讲解如何把财富平稳、合法地传给下一代，"
            "现场答疑。",
        "how_to_use": "专属服务经理会向您发送邀请，回复确认即可预留席位。",
        "unit": "场", "provider": "平安信托",
        "provider_notes_en": "Confirm the guest list three days before the workshop; record "
            "attendance.",
        "provider_notes": "工作坊前三天确认参加名单；记录实际出席人员。",
    },
    "Legal advice hotline": {
        "description": "律师电话解答婚姻家事、房产、劳动纠纷和消费维权等法律问题。",
        "how_to_use": "拨打95511，按提示转接法律咨询专线，说明您的问题，"
            "律师会当场或在约定时间回电解答。",
        "unit": "次", "provider": "合作律师事务所",
        "provider_notes_en": "Call back within 4 working hours if no lawyer is free at once; "
            "record the topic of each call, not its details.",
        "provider_notes": "如不能即时接听，须在4个工作小时内回电；每次通话只记录咨询类别，"
            "不记录具体内容。",
    },
    "Tax planning consultation": {
        "description": "税务顾问梳理您的个人所得税情况，讲解专项附加扣除等合法合规的筹划方式。",
        "how_to_use": "请联系您的代理人预约税务顾问，提前准备好近一年的个税纳税记录。",
        "unit": "次", "provider": "合作税务师事务所",
        "provider_notes_en": "Schedule the consultation within 5 working days of the request; "
            "record the date and topics covered.",
        "provider_notes": "收到预约后5个工作日内安排咨询；记录咨询日期和涉及的议题。",
    },
    "Will drafting service": {
        "description": "律师为您起草遗嘱，并在中华遗嘱库办理登记保管，每个保单年度1次。",
        "how_to_use": "由您的专属服务经理为您预约时间，登记时需本人携带身份证件到场。",
        "unit": "次", "provider": "中华遗嘱库",
        "provider_notes_en": "Schedule the appointment within 5 working days; confirm the "
            "registration to the service manager without sharing the will's content.",
        "provider_notes": "5个工作日内安排预约；登记完成后告知服务经理，不得透露遗嘱内容。",
    },
    "Cross-border tax residency advice": {
        "description": "针对有境外资产或家庭成员在海外的家庭，"
            "讲解税务居民身份认定和涉税信息申报要求。",
        "how_to_use": "由您的专属服务经理为您安排与税务顾问会面。",
        "unit": "次", "provider": "合作税务师事务所",
        "provider_notes_en": "Schedule the meeting within 5 working days of the request; record "
            "the countries concerned and the date.",
        "provider_notes": "收到需求后5个工作日内安排会面；记录涉及的国家或地区和会面日期。",
    },
}
