"""Chinese copy for the TRV benefits of the demo catalogue (see the package docstring)."""

# fmt: off
COPY: dict[str, dict[str, str]] = {
    "Airport VIP lounge": {
        "description": "全球1000余家机场贵宾厅免费使用，覆盖国内主要机场及海外热门航点，"
            "候机期间可享休息座椅、简餐饮品和无线网络。本权益可与家人共享，"
            "每年最多2人次可由家人使用。",
        "how_to_use": "出发当天在金管家App「权益」-「出行」中打开贵宾厅二维码，"
            "连同当日登机牌在贵宾厅前台出示即可入内；每人每次扣减1人次，同行家人需分别扣减。",
        "unit": "人次", "provider": "龙腾出行",
        "provider_notes_en": "Scan the app QR code and check the boarding pass for the same day; "
            "report each entry with the lounge, date and number of guests within 24 hours.",
        "provider_notes": "核验App二维码及当日登机牌后放行，一人一码；"
            "每次入厅后24小时内回传贵宾厅名称、日期和入厅人数。",
    },
    "Airport fast-track security": {
        "description": "在国内主要机场使用快速安检通道，免排长队，适合赶时间的早晚航班。"
            "仅限本人使用。",
        "how_to_use": "进入安检区前在金管家App「权益」-「出行」领取快速安检凭证，"
            "到快速通道出示凭证、身份证件和登机牌即可。",
        "unit": "次", "provider": "龙腾出行",
        "provider_notes_en": "Check that the voucher holder matches the passenger's ID; report "
            "the airport and time of each use within 24 hours.",
        "provider_notes": "核对凭证持有人与乘机人证件一致后放行；"
            "每次使用后24小时内回传机场及使用时间。",
    },
    "Airport VIP check-in and boarding": {
        "description": "机场要客全程服务：专属柜台办理值机和行李托运，专人陪同通过安检，"
            "单独登机或摆渡车送机，省去排队等候。",
        "how_to_use": "请至少在航班起飞前24小时联系您的专属服务经理，提供航班号、"
            "出行人姓名和证件信息，当天按约定时间到机场指定柜台报到。",
        "unit": "次", "provider": "龙腾出行",
        "provider_notes_en": "Confirm the booking to the service manager within 4 hours of the "
            "request; record the flight number, names and meeting point.",
        "provider_notes": "收到需求后4小时内向服务经理确认预订；记录航班号、出行人姓名和接待地点，"
            "服务完成当天回传。",
    },
    "High-speed rail VIP lounge": {
        "description": "全国主要高铁站商务候车厅免费使用，提供独立候车区、茶水点心，"
            "部分站点可协助提前进站。仅限本人使用。",
        "how_to_use": "乘车当天在金管家App「权益」-「出行」打开高铁贵宾厅凭证，"
            "连同当日车票（或12306电子客票信息）在候车厅前台出示。",
        "unit": "次", "provider": "龙腾出行",
        "provider_notes_en": "Check the voucher and a same-day train ticket; report the station "
            "and date of each visit within 24 hours.",
        "provider_notes": "核验凭证及当日车票后接待；每次使用后24小时内回传车站名称和日期。",
    },
    "Airport transfer": {
        "description": "专车往返家中与机场或高铁站，单程50公里以内，舒适型及以上车型，"
            "司机提前到达等候。可与家人共享，每年最多2次可由家人使用。",
        "how_to_use": "在金管家App「权益」-「出行」选择接机或送机，填写航班或车次、"
            "上下车地点和人数，至少在用车前4小时提交预约。",
        "unit": "次", "provider": "滴滴出行",
        "provider_notes_en": "Confirm the car and driver within 1 hour of the booking; charge "
            "kilometres beyond 50 km to the customer only after telling them in advance.",
        "provider_notes": "收到预约后1小时内确认车辆和司机信息；"
            "超出50公里的部分需事先告知客户并由客户自付。",
    },
    "Designated driver": {
        "description": "应酬饮酒后不便开车时，专业代驾司机开您的车送您回家，单次20公里以内免费，"
            "超出里程按平台标准价自付。",
        "how_to_use": "在金管家App「权益」-「出行」一键呼叫代驾，确认上车位置后等待司机，"
            "通常15分钟内到达。",
        "unit": "次", "provider": "e代驾",
        "provider_notes_en": "Assign a driver within 5 minutes; record the start, end and "
            "distance of each trip and report it the same day.",
        "provider_notes": "接单后5分钟内派出司机；记录每单起点、终点和里程，当天回传。",
    },
    "Private jet transfer": {
        "description": "国内公务机单程飞行一次，您可与家人同机出行，机型和航线按当次可用运力安排。"
            "按保单年度计算。",
        "how_to_use": "请至少在出发前7天联系您的专属服务经理，告知出发地、目的地、日期和乘机人，"
            "航线和时刻确认后出行当天凭身份证件登机。",
        "unit": "次", "provider": "金鹿公务",
        "provider_notes_en": "Confirm aircraft and schedule within 48 hours of the request; send "
            "the passenger list and flight details to the service manager before departure.",
        "provider_notes": "收到需求后48小时内确认机型和时刻；"
            "起飞前将乘机人名单和航班信息发送给服务经理。",
    },
    "Chauffeured car for the day": {
        "description": "同城商务车包车一天，含专职司机，最长8小时，适合商务接待、"
            "家庭出游或多点行程。",
        "how_to_use": "请至少提前2天联系您的专属服务经理，告知用车日期、出发时间、"
            "行程安排和乘车人数。",
        "unit": "天", "provider": "首汽约车",
        "provider_notes_en": "Confirm the car and driver the day before; record start and end "
            "times, and agree any time beyond 8 hours with the customer first.",
        "provider_notes": "用车前一天确认车辆和司机；记录起止时间，超过8小时须先与客户确认。",
    },
    "Roadside assistance": {
        "description": "车辆抛锚时提供拖车、搭电、换胎和送油服务，全国大部分城市覆盖，"
            "7×24小时响应。",
        "how_to_use": "拨打95511转道路救援，说明车牌号和所在位置，救援人员通常1小时内到达；"
            "也可在平安好车主App一键救援。",
        "unit": "次", "provider": "平安好车主",
        "provider_notes_en": "Dispatch help within 10 minutes and arrive within 60 minutes in "
            "cities; record the plate, location and service done.",
        "provider_notes": "接报后10分钟内派单，市区60分钟内到达；记录车牌号、救援地点和服务内容。",
    },
    "Car wash": {
        "description": "合作洗车门店标准洗车一次，含车身外部清洗和内饰吸尘擦拭，不含打蜡、精洗。",
        "how_to_use": "在金管家App「权益」-「车主服务」领取洗车券，到合作门店出示券码，"
            "由店员扫码核销后洗车。",
        "unit": "次", "provider": "平安好车主",
        "provider_notes_en": "Scan the voucher before the wash; each voucher is valid once and "
            "reconciles automatically.",
        "provider_notes": "洗车前扫码核销，一券一次，核销记录自动对账。",
    },
    "Annual vehicle inspection run": {
        "description": "代驾司机上门取车，代您去检测站办理车辆年检，检完送回，省去排队时间。"
            "检测费按当地标准由车主承担。",
        "how_to_use": "在年检到期当月，于金管家App「权益」-「车主服务」预约取车时间和地点，"
            "并提前准备好行驶证和交强险保单。",
        "unit": "次", "provider": "平安好车主",
        "provider_notes_en": "Confirm the pick-up time within 24 hours; photograph the car at "
            "pick-up and return, and send the inspection result to the app.",
        "provider_notes": "收到预约后24小时内确认取车时间；取车和还车时拍照留存车况，"
            "并将年检结果上传至App。",
    },
    "Car detailing package": {
        "description": "汽车精洗套餐，共3次，每次包含全车精洗、内饰深度清洁和打蜡养护，"
            "合作门店通用。",
        "how_to_use": "在金管家App「权益」-「车主服务」购买套餐，"
            "之后每次到店前在App预约门店和时间，到店出示券码核销。",
        "unit": "次", "provider": "平安好车主",
        "provider_notes_en": "Confirm each booking within 4 hours; scan one of the three sessions "
            "at each visit.",
        "provider_notes": "每次预约后4小时内确认；到店服务时核销一次，套餐共三次。",
    },
    "Overseas emergency assistance": {
        "description": "出境期间7×24小时中文援助：推荐就医、医疗费用担保、紧急转运安排，"
            "以及护照遗失补办协助。本人及家人出行均可使用，不限次数。",
        "how_to_use": "在海外遇到紧急情况，拨打电子卡上的国际SOS救援电话（全球可拨），报出姓名、"
            "所在位置和情况，接线员将全程协助。",
        "unit": "次", "provider": "国际SOS",
        "provider_notes_en": "Open a case at the first call and confirm coverage with the insurer "
            "within 2 hours; report each case with the country, service given and costs "
            "guaranteed.",
        "provider_notes": "首次来电即立案，2小时内与保险公司确认保障；每个案件回传所在国家、"
            "提供的服务及担保金额。",
    },
    "Travel insurance upgrade": {
        "description": "单次行程的旅行保险升级，提高境外医疗保额等保障额度，"
            "适合长途或高风险目的地出行。",
        "how_to_use": "出发前在金管家App「权益」-「出行」选择需升级的行程，"
            "填写出行日期和目的地后一键激活，出发后不能再激活。",
        "unit": "次", "provider": "平安产险",
        "provider_notes_en": "Issue the upgraded cover within 1 hour of activation and send the "
            "policy to the app; activations after departure are refused.",
        "provider_notes": "激活后1小时内出具升级保单并推送至App；出发后提交的激活申请不予受理。",
    },
    "Visa application help": {
        "description": "签证专员为您审核材料、填写表格并递交签证申请，全程跟进办理进度。"
            "签证费和使馆收费需自付。",
        "how_to_use": "在金管家App「权益」-「出行」发起签证办理申请，选择目的地国家，"
            "按提示上传护照、照片等材料扫描件，专员会在1个工作日内联系您。",
        "unit": "次", "provider": "携程签证",
        "provider_notes_en": "Contact the customer within 1 working day; tell them of missing "
            "documents at once and report the outcome of the application in the app.",
        "provider_notes": "1个工作日内联系客户；材料不全时及时告知，出签结果在App中回传。",
    },
    "Overseas medical evacuation": {
        "description": "在境外遭遇重大疾病或意外伤害时，安排医疗专机或医护陪同转运回国治疗。"
            "是否转运由国际SOS医生根据病情决定，按保单年度计算。",
        "how_to_use": "出现紧急情况时，本人或同行人拨打电子卡上的国际SOS救援电话，"
            "说明病情和所在医院，由救援医生评估后安排。",
        "unit": "次", "provider": "国际SOS",
        "provider_notes_en": "Tell the insurer within 2 hours when an evacuation is being "
            "assessed; keep the doctors' decision and the transfer record for the claim.",
        "provider_notes": "启动转运评估后2小时内通知保险公司；保留医生评估意见和转运记录以备理赔。",
    },
    "Overseas mobile Wi-Fi rental": {
        "description": "出境随身Wi-Fi一台，单次行程最长7天，流量不限，可同时连接多台设备。",
        "how_to_use": "在金管家App「权益」-「出行」购买，选择目的地和出行日期，"
            "出发当天凭取件码在机场柜台领取设备，回国后在机场归还。",
        "unit": "次", "provider": "游友移动",
        "provider_notes_en": "Hold a device at the chosen airport counter from the day before "
            "departure; report the pick-up and return dates.",
        "provider_notes": "出发前一天在所选机场柜台备好设备；回传取机和还机日期。",
    },
    "Hotel room upgrade": {
        "description": "入住合作酒店时免费升级一个房型等级，视酒店当日房态而定。",
        "how_to_use": "请通过95511礼宾专线预订酒店，并报出您的会员号，礼宾顾问会同步为您申请升级。",
        "unit": "次", "provider": "Aspire Lifestyles礼宾",
        "provider_notes_en": "Request the upgrade when booking and tell the customer at check-in "
            "whether it was granted; record the hotel and stay dates.",
        "provider_notes": "预订时即向酒店申请升级，入住时告知客户是否升级成功；"
            "记录酒店名称和入住日期。",
    },
    "Luxury hotel stay": {
        "description": "合作五星级酒店免费住宿一晚，含标准房型。",
        "how_to_use": "请联系您的专属服务经理，告知城市、酒店偏好和入住日期，由服务经理为您预订。",
        "unit": "晚", "provider": "Aspire Lifestyles礼宾",
        "provider_notes_en": "Confirm the booking within 24 hours of the request and send the "
            "confirmation number to the service manager.",
        "provider_notes": "收到需求后24小时内确认预订，并将酒店确认号发送给服务经理。",
    },
    "Wellness retreat weekend": {
        "description": "康养度假酒店两晚住宿，含入住健康评估、水疗护理和教练带领的康体课程，"
            "适合放松身心。",
        "how_to_use": "请联系您的专属服务经理，告知期望的入住日期和偏好的度假地，"
            "由服务经理为您预订。",
        "unit": "次", "provider": "悦榕庄",
        "provider_notes_en": "Confirm the dates within 48 hours; send the health assessment "
            "summary to the customer at check-out.",
        "provider_notes": "收到需求后48小时内确认入住日期；离店时将健康评估小结交给客户。",
    },
    "Cruise cabin upgrade": {
        "description": "预订合作邮轮航次时免费升级舱位，航次从上海或天津出发。",
        "how_to_use": "预订邮轮时联系您的专属服务经理，告知航次和出行人数，"
            "由服务经理为您申请舱位升级。",
        "unit": "次", "provider": "皇家加勒比",
        "provider_notes_en": "Confirm the upgraded cabin within 48 hours of the booking; report "
            "the sailing and cabin number.",
        "provider_notes": "收到预订后48小时内确认升级后的舱位；回传航次和舱号。",
    },
}
