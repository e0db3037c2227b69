"""Chinese copy for the ELD benefits of the demo catalogue (see the package docstring)."""

# fmt: off
COPY: dict[str, dict[str, str]] = {
    "Retirement community visit": {
        "description": "到合作养老社区实地参观，由专人带看居住单元、餐厅、康复和活动设施，含午餐，"
            "并讲解入住条件和流程。持有年金险保单的客户可享，可携家人同行，每年1次可由家人使用。",
        "how_to_use": "在金管家App「权益」-「养老」选择社区和参观日期预约，"
            "当天携带身份证件按时到达。",
        "unit": "次", "provider": "合作养老社区",
        "provider_notes_en": "Confirm the visit date within 24 hours of the booking; record the "
            "number of visitors and any admission questions for the agent.",
        "provider_notes": "收到预约后24小时内确认参观日期；记录到访人数，"
            "以及客户关心的入住问题并转告代理人。",
    },
    "Retirement community priority admission": {
        "description": "获得合作养老社区的优先入住资格，在轮候名单中优先排序。"
            "适用于持有年金险保单、年满60周岁的客户，按保单年度计算。",
        "how_to_use": "由您的专属服务经理为您向社区办理优先入住登记，登记后可随时咨询轮候进度。",
        "unit": "次", "provider": "合作养老社区",
        "provider_notes_en": "Confirm the registration to the service manager within 3 working "
            "days and report the customer's place on the list when it changes.",
        "provider_notes": "3个工作日内向服务经理确认登记结果；轮候位次变化时及时告知。",
    },
    "Retirement community trial stay": {
        "description": "在合作养老社区体验入住3晚，含一日三餐，可参加社区活动，提前感受社区生活。"
            "适用于年满60周岁的长者。",
        "how_to_use": "在金管家App「权益」-「养老」选择社区和入住日期，请至少提前两周预约，"
            "入住时携带身份证件和常用药品。",
        "unit": "次", "provider": "合作养老社区",
        "provider_notes_en": "Confirm the dates within 2 working days of the booking; check the "
            "guest's age and health at check-in and report the stay afterwards.",
        "provider_notes": "收到预约后2个工作日内确认日期；入住时核对年龄和健康状况，"
            "离店后回传入住记录。",
    },
    "Home safety assessment": {
        "description": "适老化专家上门排查老人居所的跌倒隐患，检查卫生间、卧室、通道和照明，"
            "给出加装扶手、防滑垫等改造建议。可为家中长辈申请（每年1次可由家人使用）。",
        "how_to_use": "在金管家App「权益」-「养老」预约，填写老人住址和方便上门的时间，"
            "专家上门约1小时。",
        "unit": "次", "provider": "合作养老服务机构",
        "provider_notes_en": "Visit within 5 working days of the booking and upload the written "
            "assessment with photos to the app.",
        "provider_notes": "收到预约后5个工作日内上门；评估报告连同现场照片上传至App。",
    },
    "Elderly home-care visit": {
        "description": "护理员上门照护2小时，协助洗浴、备餐、提醒用药并陪伴聊天。"
            "适用于60周岁以上长者，每年4次均可为家中长辈使用。",
        "how_to_use": "请联系您的专属服务经理，告知长辈住址、身体情况和希望的上门时间，"
            "由服务经理为您排期。",
        "unit": "次", "provider": "合作养老服务机构",
        "provider_notes_en": "Confirm each visit within 24 hours; record the start and end times "
            "and the care given, and tell the family at once of any health concern.",
        "provider_notes": "每次预约后24小时内确认；记录服务起止时间和照护内容，"
            "发现健康异常须立即告知家属。",
    },
    "Emergency call device": {
        "description": "可穿戴紧急呼叫器一台，具备跌倒自动检测功能，"
            "一键呼叫家人和7×24小时响应中心。适用于60周岁以上长者，可为家中长辈申领。",
        "how_to_use": "在金管家App「权益」-「养老」申领，填写老人住址和紧急联系人，"
            "设备送货上门并由专人调试、教会使用。",
        "unit": "台", "provider": "合作养老服务机构",
        "provider_notes_en": "Deliver and set up the device within 7 days of the order; test a "
            "call to the response centre with the user and record the emergency contacts.",
        "provider_notes": "下单后7天内送货并完成安装调试；与使用者现场测试呼叫响应中心，"
            "并登记紧急联系人。",
    },
    "Companion visits for parents": {
        "description": "陪伴上门服务包，共4次，每次2小时，陪长辈聊天、代办跑腿或陪同散步，"
            "适用于60周岁以上长者。",
        "how_to_use": "在金管家App「权益」-「养老」购买服务包，填写父母的住址和方便上门的时间，"
            "每次上门前陪伴员会电话确认。",
        "unit": "次", "provider": "合作养老服务机构",
        "provider_notes_en": "Confirm each visit by phone the day before; record what was done "
            "and send a short note to the buyer after each visit.",
        "provider_notes": "每次上门前一天电话确认；记录服务内容，"
            "并在每次服务后给购买人发送简短反馈。",
    },
    "Senior health check-up": {
        "description": "专为60周岁以上长者设计的体检，在常规项目之外增加骨密度、"
            "认知功能和心脑血管检查。可为家中长辈预约（每年1次可由家人使用）。",
        "how_to_use": "在金管家App「权益」-「养老」选择合作体检中心和日期预约，体检当天空腹，"
            "携带身份证件，建议家人陪同。",
        "unit": "次", "provider": "美年大健康",
        "provider_notes_en": "Confirm the date with the customer by phone within 24 hours; upload "
            "the report to the app within 5 working days.",
        "provider_notes": "收到预约后24小时内电话与客户确认体检日期；"
            "体检后5个工作日内将报告上传至App。",
    },
    "Cognitive screening": {
        "description": "通过专业量表评估记忆力和认知功能，尽早发现阿尔茨海默病等认知障碍的迹象，"
            "适用于60周岁以上长者。",
        "how_to_use": "在金管家App「权益」-「养老」预约筛查，全程约40分钟，"
            "建议家人陪同并提前准备好既往病历。",
        "unit": "次", "provider": "平安好医生",
        "provider_notes_en": "Confirm the appointment within 24 hours; upload the result to the "
            "app within 3 working days and suggest a specialist for abnormal results.",
        "provider_notes": "收到预约后24小时内确认；3个工作日内上传结果，结果异常时建议转诊专科。",
    },
    "Fall-prevention class": {
        "description": "康复治疗师带领的防跌倒课程，练习平衡和下肢力量，学会居家安全起身和行走，"
            "适用于60周岁以上长者。",
        "how_to_use": "在金管家App「权益」-「养老」选择离您最近的课程报名，上课请穿防滑运动鞋。",
        "unit": "节", "provider": "平安好医生",
        "provider_notes_en": "Send the class list to the therapist the day before; mark "
            "attendance after each class.",
        "provider_notes": "课前一天将报名名单发给治疗师；每节课后登记出勤。",
    },
}
