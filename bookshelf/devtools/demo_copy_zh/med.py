"""Chinese copy for the MED benefits of the demo catalogue (see the package docstring)."""

# fmt: off
COPY: dict[str, dict[str, str]] = {
    "Expert outpatient booking help": {
        "description": "帮您预约三甲医院指定专家的门诊号，热门专家号也由专人替您争取。",
        "how_to_use": "在金管家App填写医院、科室、专家（可不指定）和希望就诊的日期，"
            "或拨打95511申请；预约成功后短信通知就诊时间。本权益可与家人共享，"
            "每年其中1次可由家人使用。",
        "unit": "次", "provider": "平安健康",
        "provider_notes_en": "Confirm the appointment or offer an alternative within 3 working "
            "days; record the hospital, specialist and appointment time.",
        "provider_notes": "3个工作日内确认预约结果或提供替代方案；记录医院、专家和就诊时间。",
    },
    "VIP hospital escort": {
        "description": "专业陪诊员在医院门口与您会合，全程代办挂号、排队、缴费、取检查结果，"
            "陪您看完一次门诊，特别适合老人就医。",
        "how_to_use": "至少提前2天在金管家App预约，填写医院、科室和就诊时间；"
            "陪诊员会在就诊前一天来电确认会合地点。本权益可与家人共享，每年其中1次可由家人使用。",
        "unit": "次", "provider": "平安健康",
        "provider_notes_en": "Confirm by phone the day before the visit; record the arrival and "
            "end times and what was done for the customer.",
        "provider_notes": "就诊前一天电话确认会合时间和地点；记录到达及结束时间和代办事项。",
    },
    "Service treasure: expert outpatient booking": {
        "description": "服务宝专享：持有长期寿险保单即可享受专家门诊挂号协助，"
            "帮您约到需要的专家号。",
        "how_to_use": "在金管家App打开「服务宝」，选择「专家挂号」并提交医院和科室，"
            "工作人员会与您确认就诊时间。",
        "unit": "次", "provider": "平安健康",
        "provider_notes_en": "Confirm the appointment within 3 working days; record it against "
            "the customer's Service Treasure quota.",
        "provider_notes": "3个工作日内确认挂号结果，并计入客户的服务宝额度。",
    },
    "Service treasure: hospital escort": {
        "description": "服务宝专享：持有长期寿险保单即可享受一次就医陪诊，挂号、排队、缴费、"
            "取结果都有人代办。",
        "how_to_use": "在金管家App打开「服务宝」预约陪诊，请至少提前2天提交医院和就诊时间。",
        "unit": "次", "provider": "平安健康",
        "provider_notes_en": "Confirm by phone the day before the visit; record the escort "
            "against the customer's Service Treasure quota.",
        "provider_notes": "就诊前一天电话确认陪诊安排，并计入客户的服务宝额度。",
    },
    "Test report pick-up and delivery": {
        "description": "检查或影像报告不用再跑一趟医院：专人到医院代取，送到您手中。",
        "how_to_use": "在金管家App提交代取申请，填写医院名称和报告单号（或取单凭条上的编号），"
            "我们安排专人取件后送达。",
        "unit": "次", "provider": "平安健康",
        "provider_notes_en": "Collect the report within one working day of the request; record "
            "the report number and hand it over sealed against the customer's signature.",
        "provider_notes": "收到申请后1个工作日内到医院取件；登记报告单号，密封交付并请客户签收。",
    },
    "Green channel hospital access": {
        "description": "罹患重大疾病时，帮您快速安排合作三甲医院的专家门诊、检查和住院床位，"
            "少走弯路、少排长队。",
        "how_to_use": "拨打95511说明诊断情况，并准备好诊断证明等资料，"
            "专属就医管家将在3天内为您安排好医院。本权益可与家人共享，每年其中1次可由家人使用。",
        "unit": "次", "provider": "平安健康",
        "provider_notes_en": "Assign a case manager within 24 hours and arrange the hospital "
            "within three days of the call; record the diagnosis, hospital and dates.",
        "provider_notes": "接到需求后24小时内指派就医管家，3天内完成医院安排；记录诊断、"
            "医院和就诊日期。",
    },
    "Surgery arranged with a leading surgeon": {
        "description": "重疾险客户专享：确诊保障范围内的重大疾病后，"
            "为您安排三甲医院知名外科专家主刀手术。",
        "how_to_use": "由您的私人服务经理收集病历资料，与医院确认主刀医生和手术日期后通知您。",
        "unit": "次", "provider": "平安健康",
        "provider_notes_en": "Check the critical-illness cover before accepting the case; confirm "
            "the surgeon and date to the service manager within 7 working days of receiving the "
            "records.",
        "provider_notes": "接案前核实客户的重疾险保障；"
            "收到病历后7个工作日内向私人服务经理确认主刀医生和手术日期。",
    },
    "Critical-illness green channel": {
        "description": "重疾险客户专享：一旦确诊重大疾病，就医管家帮您快速预约专家门诊、安排住院。",
        "how_to_use": "确诊后拨打95511，报出重疾险保单号并准备好诊断证明，就医管家会主动与您联系。",
        "unit": "次", "provider": "平安健康",
        "provider_notes_en": "Verify the critical-illness policy number within 24 hours; record "
            "the diagnosis and the dates of the expert visit and admission.",
        "provider_notes": "24小时内核实重疾险保单号；记录诊断结果、专家门诊和入院日期。",
    },
    "Domestic expert second opinion": {
        "description": "请另一家顶级医院的资深专家审阅您的诊断和治疗方案，出具书面第二诊疗意见，"
            "重大决定前多一份把握。",
        "how_to_use": "在金管家App上传病历、检查报告和影像资料，10个工作日内收到专家的书面意见。",
        "unit": "次", "provider": "平安健康",
        "provider_notes_en": "Check the records are complete within 2 working days and ask for "
            "anything missing; deliver the written opinion within ten working days.",
        "provider_notes": "2个工作日内核对资料是否齐全并告知需补充的材料；"
            "10个工作日内交付书面意见。",
    },
    "Overseas medical second opinion": {
        "description": "将您的病例送交海外知名医院的专科医生审阅，出具书面诊疗意见并附中文翻译。",
        "how_to_use": "由您的私人服务经理收集病历、完成翻译并寄送海外医院，"
            "您无需自己准备英文资料。",
        "unit": "次", "provider": "MediGuide国际医疗",
        "provider_notes_en": "Acknowledge the translated records within 2 working days; return "
            "the written opinion with a Chinese translation within four weeks.",
        "provider_notes": "收到翻译后的病历后2个工作日内确认；4周内返回附中文翻译的书面意见。",
    },
    "Remote multidisciplinary consultation": {
        "description": "针对癌症等复杂疾病，组织多位不同学科的专家视频会诊，"
            "一起讨论您的病情和治疗方案。",
        "how_to_use": "由您的私人服务经理约定时间、安排视频会议并邀请相关专家，"
            "您和家人在线参加即可。",
        "unit": "次", "provider": "平安好医生",
        "provider_notes_en": "Confirm the specialists and a date within 5 working days; send the "
            "conference minutes to the service manager within 3 working days.",
        "provider_notes": "5个工作日内确认会诊专家和时间；"
            "会诊结束后3个工作日内将会诊纪要发给私人服务经理。",
    },
    "Inpatient care attendant": {
        "description": "住院期间由经过培训的护工白天在病房照护您，协助饮食、洗漱、翻身和陪同检查，"
            "家人不必请假陪床。",
        "how_to_use": "入院后拨打95511申请，护工在24小时内到达病房，按天计算。",
        "unit": "天", "provider": "平安健康",
        "provider_notes_en": "Get an attendant to the ward within 24 hours; record each day "
            "worked and have the customer or family sign for it.",
        "provider_notes": "24小时内安排护工到达病房；按天记录服务，并由客户或家属每日签字确认。",
    },
    "Direct billing at partner hospitals": {
        "description": "医疗险客户专享：在合作医院就医，保障范围内的费用由我们与医院直接结算，"
            "不用先垫付再报销。",
        "how_to_use": "在医院收费处出示金管家App中的「直付码」，保障内费用直接结算，"
            "自付部分当场支付即可。",
        "unit": "次", "provider": "平安健康",
        "provider_notes_en": "Check the cover when the code is scanned and confirm the covered "
            "amount within 30 minutes; send the itemised bill with the claim.",
        "provider_notes": "扫码时核实保障范围，30分钟内确认可直付金额；随理赔资料提交费用明细。",
    },
    "Post-discharge home nursing": {
        "description": "出院后护士上门换药、查看伤口愈合情况，并指导您和家人做好居家康复。",
        "how_to_use": "在金管家App预约上门时间并上传出院小结，护士将在预约时段上门。",
        "unit": "次", "provider": "平安健康",
        "provider_notes_en": "Confirm the visit within 24 hours and read the discharge summary "
            "beforehand; record the wound and the care given at each visit.",
        "provider_notes": "收到预约后24小时内确认，并提前阅读出院小结；"
            "每次上门记录伤口情况和护理内容。",
    },
    "Cancer rehabilitation guidance": {
        "description": "重疾险客户专享：癌症治疗结束后一整年的康复陪伴，"
            "康复管理师提供营养和运动指导，并提醒您按时复查。",
        "how_to_use": "治疗结束后拨打95511申请，我们将为您指定专属康复管理师，"
            "首次沟通时一起制定康复计划。",
        "unit": "年", "provider": "平安好医生",
        "provider_notes_en": "Assign a rehabilitation manager within 3 working days; record the "
            "plan and remind the customer of each follow-up visit a week ahead.",
        "provider_notes": "3个工作日内指定康复管理师；记录康复计划，每次复查前一周提醒客户。",
    },
    "Accident injury rehabilitation": {
        "description": "意外险客户专享：骨折等意外伤害后，康复治疗师为您制定康复计划，"
            "并定期视频查看恢复进展。",
        "how_to_use": "出院后拨打95511，报出意外险保单号，康复治疗师将在2个工作日内与您联系。",
        "unit": "次", "provider": "平安健康",
        "provider_notes_en": "Verify the accident policy and call the customer within 2 working "
            "days; record the injury, the plan and each video check.",
        "provider_notes": "核实意外险保单后2个工作日内联系客户；记录伤情、"
            "康复计划和每次视频评估结果。",
    },
    "Post-surgery home rehabilitation": {
        "description": "术后居家康复套餐：康复治疗师上门4次，评估恢复情况并手把手指导功能训练。",
        "how_to_use": "在金管家App购买后上传出院小结，康复治疗师会与您约定首次上门时间。",
        "unit": "次", "provider": "平安健康",
        "provider_notes_en": "Book the first visit within 3 working days of purchase; record each "
            "of the four visits and the exercises taught.",
        "provider_notes": "购买后3个工作日内约定首次上门；4次上门分别记录训练内容和恢复情况。",
    },
    "Overseas medical referral": {
        "description": "为您安排赴海外医院就医：预约医院、办理医疗签证、配备翻译和安排住宿，"
            "一站式办妥。",
        "how_to_use": "由您的私人服务经理与海外医院共同规划行程，"
            "确认就诊时间后协助您办理签证和出行。",
        "unit": "次", "provider": "国际SOS",
        "provider_notes_en": "Confirm the hospital and a first appointment date within 10 working "
            "days; keep the service manager informed of visa, interpreter and hotel bookings.",
        "provider_notes": "10个工作日内确认海外医院和首次就诊日期；签证、"
            "翻译和住宿的安排进展须同步给私人服务经理。",
    },
    "Proton therapy arrangement": {
        "description": "重疾险客户专享：为符合条件的肿瘤患者评估并安排合作中心的质子或重离子放疗。",
        "how_to_use": "由您的私人服务经理将病历寄送治疗中心做适应症评估，"
            "评估通过后为您安排治疗时间。",
        "unit": "次", "provider": "平安健康",
        "provider_notes_en": "Return the eligibility review within 7 working days of receiving "
            "the records; record the result and the proposed treatment dates.",
        "provider_notes": "收到病历后7个工作日内反馈适应症评估结果；记录评估结论和拟定的治疗日期。",
    },
    "Overseas specialty drug access": {
        "description": "重疾险客户专享：通过博鳌乐城先行区等合规渠道，"
            "帮助您用上尚未在中国内地上市的抗癌新药。",
        "how_to_use": "拨打95511并提供医生处方，药师会向您说明可选渠道、费用和用药流程。",
        "unit": "次", "provider": "平安健康",
        "provider_notes_en": "Have a pharmacist call the customer within 2 working days of "
            "receiving the prescription; record the drug, the channel and the expected supply "
            "date.",
        "provider_notes": "收到处方后2个工作日内由药师致电客户；记录药品、渠道和预计供药日期。",
    },
}
