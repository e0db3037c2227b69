"""Chinese copy for the SPT benefits of the demo catalogue (see the package docstring)."""

# fmt: off
COPY: dict[str, dict[str, str]] = {
    "Partner gym pass": {
        "description": "全国100多个城市的合作健身房单次入场，器械区、有氧区和更衣淋浴均可使用。",
        "how_to_use": "到店后打开金管家App出示健身二维码，前台扫码即可入场。可与家人共享，"
            "每年最多2次由家人使用。",
        "unit": "次", "provider": "威尔士健身",
        "provider_notes_en": "Scan the QR code at the front desk; report visits daily with the "
            "customer ID, club and time of entry.",
        "provider_notes": "前台扫码核销；每日上报客户编号、门店和入场时间。",
    },
    "Personal training session": {
        "description": "在合作健身房与持证私人教练一对一训练，每节60分钟，按您的目标（减脂、增肌、"
            "体态）安排训练内容。",
        "how_to_use": "在金管家App选择教练和时段预约，建议提前10分钟到店热身。",
        "unit": "节", "provider": "威尔士健身",
        "provider_notes_en": "Confirm the booking within 12 hours; record each session with the "
            "trainer's name.",
        "provider_notes": "收到预约后12小时内确认；每节课记录教练姓名和上课时间。",
    },
    "Group fitness class": {
        "description": "动感单车、HIIT、燃脂舞蹈等各类团课，合作门店任选，"
            "一个人练不动时就来上团课。",
        "how_to_use": "开课前至少2小时在金管家App预约，到店签到即可上课。",
        "unit": "节", "provider": "超级猩猩",
        "provider_notes_en": "Hold the place once booked and close bookings two hours before the "
            "class; report attendance and no-shows daily.",
        "provider_notes": "预约成功即保留名额，开课前2小时停止预约；每日上报签到和爽约情况。",
    },
    "Yoga class": {
        "description": "合作瑜伽馆的各类瑜伽课，包括孕期瑜伽，零基础也有合适的课程。",
        "how_to_use": "在金管家App选择门店和课程预约；孕期瑜伽建议孕12周后、经医生同意再参加。",
        "unit": "节", "provider": "梵音瑜伽",
        "provider_notes_en": "Confirm bookings within 12 hours; before a prenatal class the "
            "teacher checks the stage of pregnancy.",
        "provider_notes": "收到预约后12小时内确认；孕期瑜伽课前由老师确认学员孕周。",
    },
    "Step challenge rewards": {
        "description": "每天走到步数目标即可得积分，积分可兑换小礼品，所有客户（包括准客户）"
            "都能参加。",
        "how_to_use": "在金管家App开启步数同步，系统每天自动记录步数并发放积分，"
            "积分可在App中兑换奖励。",
        "unit": "份", "provider": "平安健康",
        "provider_notes_en": "Credit points within 24 hours of the daily step sync; report each "
            "month's redemptions by reward.",
        "provider_notes": "每日步数同步后24小时内发放积分；按奖励品类按月上报兑换数量。",
    },
    "Swimming pool pass": {
        "description": "合作室内游泳馆单次入场，四季可游。",
        "how_to_use": "到馆后在入口出示金管家App中的二维码扫码入场，请自备泳衣、泳帽。"
            "可与家人共享，每年最多2次由家人使用。",
        "unit": "次", "provider": "合作游泳馆",
        "provider_notes_en": "Scan the QR code at the entrance; report visits weekly with the "
            "customer ID and pool.",
        "provider_notes": "入口扫码核销；每周上报客户编号和场馆。",
    },
    "Children's swimming lessons": {
        "description": "持证教练带教的儿童游泳小班课，适合4–17岁的孩子，"
            "从熟悉水性到规范泳姿循序渐进。",
        "how_to_use": "在金管家App为孩子报名并选择周末上课时间，家长陪同到馆。",
        "unit": "节", "provider": "合作游泳培训机构",
        "provider_notes_en": "Confirm the class within 24 hours and check that the child is 4 to "
            "17; report attendance after each lesson.",
        "provider_notes": "24小时内确认上课时间，并核实孩子年龄在4–17岁之间；每节课后上报出勤。",
    },
    "Children's swimming course": {
        "description": "儿童游泳小班课程包，共8节，适合4–17岁的孩子，持证教练带教。",
        "how_to_use": "在金管家App购买课程包，为孩子选择游泳馆和上课时间，家长陪同到馆。",
        "unit": "节", "provider": "合作游泳培训机构",
        "provider_notes_en": "Confirm the pool and times within 24 hours; record each of the "
            "eight lessons.",
        "provider_notes": "24小时内确认场馆和上课时间；8节课逐节登记。",
    },
    "Private swimming coach": {
        "description": "成人一对一游泳私教课，零基础入门或纠正泳姿都可以。",
        "how_to_use": "联系您的私人服务经理，就近为您预约游泳馆和教练。",
        "unit": "节", "provider": "合作游泳培训机构",
        "provider_notes_en": "Confirm the coach and time to the service manager within 24 hours; "
            "record each lesson.",
        "provider_notes": "24小时内向私人服务经理确认教练和上课时间；每节课登记上课情况。",
    },
    "Golf driving range session": {
        "description": "在合作高尔夫练习场练一场，含100粒练习球。",
        "how_to_use": "在金管家App预约打位，到场后在前台领球即可。",
        "unit": "次", "provider": "合作高尔夫练习场",
        "provider_notes_en": "Hold the bay for 15 minutes after the booked time; record the balls "
            "issued.",
        "provider_notes": "预约时段开始后保留打位15分钟；登记发球数量。",
    },
    "Golf green fee": {
        "description": "在合作球会免费打一场18洞，球童费已包含在内。",
        "how_to_use": "请至少提前3天联系您的私人服务经理预约开球时间。可与家人共享，"
            "每年最多2场由家人使用。",
        "unit": "场", "provider": "观澜湖高尔夫球会",
        "provider_notes_en": "Confirm the tee time to the service manager within 24 hours; record "
            "the players and the caddie fee on the scorecard.",
        "provider_notes": "24小时内向私人服务经理确认开球时间；登记打球人员和球童费。",
    },
    "Golf lesson with a PGA coach": {
        "description": "PGA认证教练一对一授课1小时，配合挥杆视频分析，帮您找准动作问题。",
        "how_to_use": "联系您的私人服务经理预约上课时间。",
        "unit": "节", "provider": "观澜湖高尔夫球会",
        "provider_notes_en": "Confirm the lesson within 24 hours; send the swing video to the "
            "customer after the lesson.",
        "provider_notes": "24小时内确认课程时间；课后将挥杆视频发送给客户。",
    },
    "Golf starter course": {
        "description": "高尔夫入门课程包，共5节教练课，练习球和球杆租用都已包含，"
            "零基础也能轻松上手。",
        "how_to_use": "在金管家App购买课程包后，选择合作练习场预约上课时间。",
        "unit": "节", "provider": "观澜湖高尔夫球会",
        "provider_notes_en": "Book the first lesson within 3 working days of purchase; record "
            "each of the five lessons.",
        "provider_notes": "购买后3个工作日内安排首节课；5节课逐节登记。",
    },
    "Marathon entry slot": {
        "description": "合作城市马拉松或半程马拉松的保底参赛名额，无需参加抽签。",
        "how_to_use": "赛事公布后在金管家App报名，名额有限，先到先得；报名时需填写身份证信息。",
        "unit": "个", "provider": "合作城市马拉松赛事",
        "provider_notes_en": "Send the entries to the organiser before the registration deadline; "
            "push each runner's confirmation to the app.",
        "provider_notes": "在报名截止前向组委会提交名单；将每位跑者的参赛确认信息推送至App。",
    },
    "Running gait analysis": {
        "description": "运动康复师在跑步机上为您做跑姿分析，找出容易受伤的动作习惯，"
            "并给出预防损伤的建议。",
        "how_to_use": "在金管家App预约合作运动医学诊所，请穿跑鞋和运动服到场，评估约1小时。",
        "unit": "次", "provider": "合作运动医学诊所",
        "provider_notes_en": "Confirm the slot within 24 hours; upload the written assessment to "
            "the app within 3 working days.",
        "provider_notes": "24小时内确认时间；3个工作日内将书面评估报告上传至App。",
    },
    "Family fun run": {
        "description": "在主要城市举办的3公里亲子趣味跑，家长带着孩子一起跑。",
        "how_to_use": "所在城市公布活动后，在金管家App报名并填写同行家人的信息。",
        "unit": "场", "provider": "平安人寿",
        "provider_notes_en": "Confirm places within 48 hours of sign-up; record attendance at the "
            "start.",
        "provider_notes": "报名后48小时内确认名额；起点签到时记录出席情况。",
    },
    "Marathon training camp": {
        "description": "为期八周的马拉松训练营：个人训练计划，加上每个周末由跑步教练带领的团跑。",
        "how_to_use": "所在城市开营时，在金管家App购买训练营名额。",
        "unit": "期", "provider": "合作跑团",
        "provider_notes_en": "Send the training plan within a week of purchase; report weekend "
            "attendance each week.",
        "provider_notes": "购买后一周内发送训练计划；每周上报周末团跑出勤。",
    },
    "Tennis court booking": {
        "description": "合作网球俱乐部的场地使用1小时。",
        "how_to_use": "最多可提前7天在金管家App预订场地。",
        "unit": "小时", "provider": "合作网球俱乐部",
        "provider_notes_en": "Confirm the court within 2 hours of the booking; record the "
            "check-in time.",
        "provider_notes": "收到预订后2小时内确认场地；登记到场时间。",
    },
    "Badminton court booking": {
        "description": "合作羽毛球馆的场地使用1小时。",
        "how_to_use": "最多可提前7天在金管家App预订场地。",
        "unit": "小时", "provider": "合作运动中心",
        "provider_notes_en": "Confirm the court within 2 hours of the booking; record the "
            "check-in time.",
        "provider_notes": "收到预订后2小时内确认场地；登记到场时间。",
    },
    "Ski day pass": {
        "description": "合作滑雪场一日雪票，当天可不限次乘坐缆车。",
        "how_to_use": "出发前联系您的私人服务经理出票，电子雪票将发送至金管家App，到场出示即可。",
        "unit": "张", "provider": "万龙滑雪场",
        "provider_notes_en": "Issue the e-pass within 24 hours of the request; report the pass "
            "number and date of use.",
        "provider_notes": "收到申请后24小时内出票；上报雪票编号和使用日期。",
    },
    "Sailing experience": {
        "description": "由专业船长驾驶的半日帆船出海体验，最多4人同行。",
        "how_to_use": "联系您的私人服务经理与游艇会约定出海日期；如遇大风等天气，将协助您改期。",
        "unit": "次", "provider": "三亚鸿洲国际游艇会",
        "provider_notes_en": "Confirm the date within 48 hours and reschedule for bad weather; "
            "record the number of guests (four at most).",
        "provider_notes": "48小时内确认出海日期，遇恶劣天气协助改期；记录同行人数（不超过4人）。",
    },
}
