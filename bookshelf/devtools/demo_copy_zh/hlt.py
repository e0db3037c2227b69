"""Chinese copy for the HLT benefits of the demo catalogue (see the package docstring)."""

# fmt: off
COPY: dict[str, dict[str, str]] = {
    "Standard health check-up": {
        "description": "每年一次的常规体检：血常规、尿常规、肝肾功能、血脂血糖、腹部B超和心电图，"
            "报告在线查看。",
        "how_to_use": "在金管家App「健康」频道选择合作体检中心和日期，"
            "体检当天携带身份证原件空腹到检（前一晚10点后禁食），全程约2小时。",
        "unit": "次", "provider": "美年大健康",
        "provider_notes_en": "Confirm the date with the customer by phone within 24 hours; send "
            "the report to the app within 5 working days.",
        "provider_notes": "收到预约后24小时内电话与客户确认体检日期；"
            "体检后5个工作日内将报告上传至App。",
    },
    "High-end health check-up": {
        "description": "深度体检套餐：在常规项目之外增加低剂量CT、肿瘤标志物和心脑血管风险筛查，"
            "报告出具后由医生一对一解读，告诉您哪些结果需要复查。",
        "how_to_use": "在金管家App「健康」频道预约合作体检中心的时段，也可请您的代理人代为预约；"
            "当天携带身份证空腹到检，全程约半天。本权益可与家人共享，每年其中1次可由家人使用。",
        "unit": "次", "provider": "平安健康检测中心",
        "provider_notes_en": "Confirm the slot within 24 hours; when a family member attends, "
            "check their ID against the booking. Upload the report and book the doctor's review "
            "within 7 working days.",
        "provider_notes": "收到预约后24小时内确认体检时段；家人到检时核对其身份证与预约信息一致。"
            "体检后7个工作日内上传报告并安排医生解读。",
    },
    "PET-CT full-body screening": {
        "description": "一次全身PET-CT扫描，可在出现症状之前发现早期肿瘤等病灶；"
            "检查后由专科医生面对面解读结果，并给出后续诊疗建议。",
        "how_to_use": "由您的私人服务经理为您预约检查和专科医生复诊，无需自行排队。"
            "检查前需空腹4–6小时，当天携带身份证，全程约3小时；孕妇及备孕人群不宜检查。",
        "unit": "次", "provider": "爱康国宾",
        "provider_notes_en": "Confirm the scan date to the service manager within 24 hours and "
            "check for pregnancy and diabetes before the scan; book the specialist follow-up "
            "within 7 days of the scan.",
        "provider_notes": "收到私人服务经理的预约后24小时内确认检查日期，"
            "检查前核实客户是否怀孕或患有糖尿病；扫描后7天内安排专科医生复诊。",
    },
    "Women's health screening": {
        "description": "为女性设计的专项筛查：乳腺彩超、宫颈癌筛查（TCT+HPV）和妇科医生面诊，"
            "帮助及早发现乳腺和宫颈问题。",
        "how_to_use": "在金管家App「健康」-「体检」中选择合作机构和日期，携带身份证到检。"
            "请避开月经期，检查前24小时内避免性生活及阴道用药。限年满18周岁的客户预约。",
        "unit": "次", "provider": "美年大健康",
        "provider_notes_en": "Confirm the date within 24 hours and remind the customer to avoid "
            "her period; upload the TCT and HPV results to the app within 10 working days.",
        "provider_notes": "收到预约后24小时内与客户确认日期，并提醒避开月经期；"
            "检查后10个工作日内将TCT和HPV结果上传至App。",
    },
    "Cancer early-screening test": {
        "description": "抽一管血即可筛查多种常见癌症的早期信号；结果出来后医生电话为您解读，"
            "如有异常会告诉您下一步该做哪些检查。",
        "how_to_use": "在金管家App下单并选择上门时间，护士上门采血，无需空腹，约10个工作日出结果。"
            "限年满40周岁的客户。",
        "unit": "次", "provider": "平安健康",
        "provider_notes_en": "Send a nurse within 3 working days of the order and record the "
            "sample ID and collection time; a doctor calls the customer within 2 working days of "
            "the result.",
        "provider_notes": "下单后3个工作日内安排护士上门采血，记录样本编号和采集时间；"
            "结果出具后2个工作日内由医生致电客户解读。",
    },
    "Genetic health screening": {
        "description": "通过唾液样本检测遗传性疾病风险，"
            "报告出具后由遗传咨询师为您讲解结果和预防建议。",
        "how_to_use": "在金管家App购买后，采样盒将快递到家；按说明留取唾液后在App预约上门取件，"
            "约4周出报告。",
        "unit": "份", "provider": "华大基因",
        "provider_notes_en": "Post the kit within 2 working days of purchase and collect it "
            "within 2 days of the customer's request; record the kit barcode and book the "
            "counsellor within a week of the report.",
        "provider_notes": "购买后2个工作日内寄出采样盒，客户申请取件后2天内上门取回；"
            "登记采样盒条码，出报告后一周内安排遗传咨询师解读。",
    },
    "Chronic-disease management": {
        "description": "高血压、糖尿病、高血脂的全年管理计划：专属健康管理师跟踪您的血压血糖数据、"
            "用药和饮食，定期给出调整建议。",
        "how_to_use": "在金管家App「健康」-「慢病管理」中报名并选择病种，"
            "每周同步一次血压或血糖数据（手动录入或连接智能设备均可）。本权益也可转给1位家人使用。",
        "unit": "年", "provider": "平安好医生",
        "provider_notes_en": "Assign a health manager within 2 working days of enrolment; log "
            "readings, medication changes and advice weekly and pass readings out of range to a "
            "doctor the same day.",
        "provider_notes": "客户报名后2个工作日内分配健康管理师；每周记录数据、用药变化和建议，"
            "数据超出范围时当天转医生处理。",
    },
    "Blood glucose monitoring kit": {
        "description": "一台可联网的血糖仪，附全年用量的试纸和采血针，"
            "测量结果自动上传给您的健康管理师。",
        "how_to_use": "在金管家App申领并填写收货地址，5个工作日内送达；"
            "开机后按说明书绑定金管家账号，测量数据即可自动上传。",
        "unit": "套", "provider": "鱼跃医疗",
        "provider_notes_en": "Ship within 2 working days of the request and deliver within 5; "
            "record the meter's serial number against the customer so readings reach the right "
            "health manager.",
        "provider_notes": "申领后2个工作日内发货、5个工作日内送达；"
            "登记血糖仪序列号与客户的对应关系，确保数据传给正确的健康管理师。",
    },
    "Hypertension follow-up calls": {
        "description": "护士每月电话随访：查看您的血压记录和用药情况，提醒按时服药，"
            "发现预警信号及时建议就医。",
        "how_to_use": "拨打95511登记并约定每月固定的随访日，护士会在当天来电，每次约15分钟。"
            "来电前请在App中记录好近期的血压。",
        "unit": "次", "provider": "平安好医生",
        "provider_notes_en": "Call on the agreed day each month; record the readings, medication "
            "and any warning sign, and refer readings of 180/110 or above to a doctor at once.",
        "provider_notes": "每月在约定日期致电客户；记录血压数据、用药和预警信号，"
            "血压达到或超过180/110时立即转医生处理。",
    },
    "Online private-doctor consultation": {
        "description": "专属全科医生一对一图文或视频问诊，7×24小时在线，通常几分钟内就有回复。",
        "how_to_use": "打开金管家App，点击「私人医生」，描述症状并上传照片或检查报告即可发起问诊。"
            "也可为家人问诊，每月最多3次。",
        "unit": "次", "provider": "平安好医生",
        "provider_notes_en": "Answer within 5 minutes at any hour; record the symptoms, advice "
            "and any referral, and whether the consultation was for the customer or a family "
            "member.",
        "provider_notes": "7×24小时接诊，5分钟内响应；记录症状、建议和转诊情况，"
            "并注明为本人还是家人问诊。",
    },
    "Service treasure: online private-doctor consultation": {
        "description": "服务宝专享：持有长期寿险保单的客户可免费享受私人医生一对一在线问诊，"
            "头疼脑热、用药疑问随时问。",
        "how_to_use": "在金管家App打开「服务宝」，点击「在线问诊」即可开始；当月次数用完后，"
            "次月自动恢复。",
        "unit": "次", "provider": "平安好医生",
        "provider_notes_en": "Answer within 5 minutes; record each consultation against the "
            "customer's Service Treasure quota.",
        "provider_notes": "5分钟内响应；每次问诊计入客户的服务宝额度。",
    },
    "Private doctor": {
        "description": "保单年度内为您配备一位固定的私人医生，从日常健康咨询、"
            "转诊建议到治疗后的随访，全程由同一位医生跟进。",
        "how_to_use": "由您的代理人为您引荐私人医生并建立联系，"
            "之后可通过电话或金管家App随时联系医生；本权益也可由家人使用。",
        "unit": "年", "provider": "平安好医生",
        "provider_notes_en": "Assign a named doctor within 3 working days of the agent's "
            "introduction and keep the same doctor for the policy year; log every contact and "
            "referral.",
        "provider_notes": "代理人引荐后3个工作日内指定固定医生，保单年度内不更换；"
            "每次沟通和转诊均需记录。",
    },
    "Family doctor phone line": {
        "description": "电话连线家庭医生，解答日常健康问题和用药疑问，并帮您判断要不要去医院、"
            "该挂哪个科。",
        "how_to_use": "拨打95511，按语音提示选择「家庭医生」，接通后说明情况即可，"
            "通话一般15分钟左右。",
        "unit": "次", "provider": "平安好医生",
        "provider_notes_en": "Answer within 3 minutes; record the question, the advice given and "
            "whether a hospital visit was recommended.",
        "provider_notes": "3分钟内接通；记录咨询问题、给出的建议以及是否建议到医院就诊。",
    },
    "Check-up report reading": {
        "description": "医生逐项为您解读体检报告：哪些指标异常，哪些需要复查或就医，"
            "日常生活该注意什么。",
        "how_to_use": "在金管家App上传体检报告照片（请拍清每一页），医生将在24小时内回电为您解读。",
        "unit": "次", "provider": "平安好医生",
        "provider_notes_en": "Call the customer back within 24 hours of the upload; record the "
            "abnormal results and the follow-up advised.",
        "provider_notes": "客户上传报告后24小时内回电；记录异常指标和建议的复查项目。",
    },
    "Dietitian consultation": {
        "description": "与注册营养师视频面谈，根据您的身体状况和饮食习惯制定个人饮食方案，"
            "适合控糖、减重、孕期营养等需求。",
        "how_to_use": "在金管家App预约营养师视频咨询的时段，并提前填写饮食记录问卷，每次约30分钟。",
        "unit": "次", "provider": "平安好医生",
        "provider_notes_en": "Confirm the video slot within 24 hours; send the written eating "
            "plan to the app within 2 working days of the session.",
        "provider_notes": "收到预约后24小时内确认视频时段；"
            "咨询结束后2个工作日内将书面饮食方案发送至App。",
    },
    "Medicine home delivery": {
        "description": "处方药和非处方药免费送药上门，主要城市最快1小时送达。",
        "how_to_use": "在金管家App完成在线问诊后，按医生开具的电子处方下单，"
            "结算时使用本权益免配送费；非处方药可直接下单。",
        "unit": "次", "provider": "平安好医生药房",
        "provider_notes_en": "Dispatch covered orders within 30 minutes where one-hour delivery "
            "is offered; record the order number, prescription ID and delivery time.",
        "provider_notes": "支持1小时达的城市须在30分钟内出库；记录订单号、处方编号和送达时间。",
    },
    "HPV vaccination booking": {
        "description": "为您锁定合作门诊的HPV疫苗接种名额，免去抢号排队；本服务为预约服务费，"
            "疫苗费用需另行支付。",
        "how_to_use": "在金管家App购买后选择接种门诊和日期，当天携带身份证到门诊接种，"
            "并在现场支付疫苗费用。适用于9–45周岁人群。",
        "unit": "次", "provider": "平安健康",
        "provider_notes_en": "Confirm the clinic and date within 48 hours and hold a dose; remind "
            "the customer that the vaccine is paid at the clinic.",
        "provider_notes": "购买后48小时内确认接种门诊和日期并预留疫苗；"
            "提醒客户疫苗费用需在门诊现场支付。",
    },
    "Dental cleaning": {
        "description": "在合作齿科做一次超声波洁牙和抛光，牙医同时为您检查口腔健康状况。",
        "how_to_use": "在金管家App预约合作齿科门诊和时间，到店后在前台出示电子券即可，"
            "全程约45分钟。",
        "unit": "次", "provider": "瑞尔齿科",
        "provider_notes_en": "Confirm the appointment within 24 hours; scan the e-voucher at the "
            "desk and record the visit the same day.",
        "provider_notes": "收到预约后24小时内确认时间；到店时核销电子券，并于当天登记服务记录。",
    },
    "Children's dental sealant": {
        "description": "为孩子的后牙做窝沟封闭，把牙面上容易藏食物残渣的深沟封起来，有效预防蛀牙。",
        "how_to_use": "在金管家App为孩子预约合作齿科的儿童牙科时段，家长陪同到店。"
            "适用于17周岁及以下的孩子。",
        "unit": "次", "provider": "瑞尔齿科",
        "provider_notes_en": "Confirm the appointment within 24 hours and check that the child is "
            "17 or under; record which teeth were sealed.",
        "provider_notes": "收到预约后24小时内确认时间，并核实孩子年龄在17周岁及以下；"
            "记录封闭的牙位。",
    },
    "Eye examination": {
        "description": "在合作眼科医院做视力、眼压和眼底检查，帮助及早发现青光眼、"
            "白内障和眼底病变。",
        "how_to_use": "在金管家App选择爱尔眼科门店和时间；眼底检查可能需要散瞳，"
            "检查后数小时内视物模糊，请不要自行驾车前往。",
        "unit": "次", "provider": "爱尔眼科",
        "provider_notes_en": "Confirm the appointment within 24 hours; upload the results to the "
            "app within 3 working days and call the customer if eye pressure is high.",
        "provider_notes": "收到预约后24小时内确认时间；3个工作日内将检查结果上传App，"
            "眼压偏高时须电话告知客户。",
    },
    "Children's myopia screening": {
        "description": "儿童近视筛查：视力、验光和眼轴长度测量，"
            "医生根据结果给出延缓近视加深的建议。",
        "how_to_use": "在金管家App为孩子预约筛查，家长陪同到店，全程约1小时。"
            "适用于17周岁及以下的孩子。",
        "unit": "次", "provider": "爱尔眼科",
        "provider_notes_en": "Confirm the booking within 24 hours and check the child's age; "
            "record the axial length of both eyes so the next screening can be compared.",
        "provider_notes": "收到预约后24小时内确认并核实孩子年龄；记录双眼眼轴长度，"
            "便于下次筛查对比。",
    },
    "Dental implant package": {
        "description": "单颗种植牙全流程套餐：口腔CT、种植体、牙冠和术后复诊，一价全包。",
        "how_to_use": "在金管家App购买套餐后，预约合作诊所面诊评估，医生确认适合种植后再安排手术；"
            "从植入到戴牙一般需要3–6个月。",
        "unit": "颗", "provider": "瑞尔齿科",
        "provider_notes_en": "Book the assessment within 3 working days of purchase; if the "
            "customer is not suitable for an implant, report it within 2 working days so the "
            "purchase can be refunded.",
        "provider_notes": "购买后3个工作日内安排面诊评估；客户不适合种植时，须在2个工作日内上报，"
            "以便办理退款。",
    },
    "Orthodontic assessment": {
        "description": "正畸医生检查牙齿排列和咬合情况，拍片分析后给出矫正方案建议和费用参考，"
            "大人孩子都可以做。",
        "how_to_use": "在金管家App购买后预约合作诊所的面诊时间，到店出示电子券，评估约1小时。",
        "unit": "次", "provider": "瑞尔齿科",
        "provider_notes_en": "Confirm the visit within 24 hours; give the customer a written "
            "treatment plan at the visit and record whether they go on to treatment.",
        "provider_notes": "收到预约后24小时内确认时间；面诊当天向客户提供书面矫正方案，"
            "并记录客户是否继续治疗。",
    },
    "Psychological counselling hotline": {
        "description": "专业心理咨询师一对一电话咨询，帮您疏导压力、焦虑、情绪低落或家庭关系困扰，"
            "全程保密。",
        "how_to_use": "拨打95511，说明需要心理咨询热线，工作人员会为您转接或预约咨询师，"
            "每次约40分钟。",
        "unit": "次", "provider": "简单心理",
        "provider_notes_en": "Connect or call back within 24 hours; record only the date and "
            "length of each session, never its content, and escalate any risk of self-harm at "
            "once.",
        "provider_notes": "24小时内安排咨询师接通或回电；只记录咨询日期和时长，不记录内容；"
            "发现自伤风险须立即上报。",
    },
    "Face-to-face counselling": {
        "description": "在合作心理咨询工作室与持证心理咨询师面对面咨询，环境私密，每次约50分钟。",
        "how_to_use": "在金管家App提交咨询需求，工作室将在1个工作日内致电与您约定咨询师和时间。",
        "unit": "次", "provider": "简单心理",
        "provider_notes_en": "Call the customer within one working day to fix the time; keep "
            "session content confidential and report attendance only.",
        "provider_notes": "收到需求后1个工作日内致电客户约定时间；咨询内容严格保密，"
            "只上报到访情况。",
    },
    "Sleep improvement programme": {
        "description": "为期四周的在线睡眠改善课程：先做睡眠评估，再按失眠认知行为疗法（CBT-I）"
            "每天练习，逐步调整作息。",
        "how_to_use": "在金管家App「健康」-「心理健康」中开启计划，"
            "完成评估后每天按提示做10–15分钟练习。",
        "unit": "期", "provider": "平安好医生",
        "provider_notes_en": "Open the programme within one working day of sign-up and remind "
            "customers who miss three days in a row.",
        "provider_notes": "客户报名后1个工作日内开通课程；连续3天未练习的客户需推送提醒。",
    },
    "Meditation app membership": {
        "description": "冥想与正念App一年期高级会员，解锁全部冥想、助眠和减压课程。",
        "how_to_use": "在金管家App领取会员兑换码，打开Now冥想App，在「我的」-「兑换码」"
            "中输入即可开通。",
        "unit": "份", "provider": "Now冥想",
        "provider_notes_en": "Issue a unique redemption code per customer and report the redeemed "
            "codes each month.",
        "provider_notes": "为每位客户发放唯一兑换码，并按月上报已兑换的码。",
    },
}
