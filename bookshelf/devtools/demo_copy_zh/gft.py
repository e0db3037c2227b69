"""Chinese copy for the GFT benefits of the demo catalogue (see the package docstring)."""

# fmt: off
COPY: dict[str, dict[str, str]] = {
    "Gift redemption": {
        "description": "用积分兑换家居好物、健康产品和各类代金券，积分够用即可兑换，不限次数，"
            "包邮到家。",
        "how_to_use": "在金管家App进入「积分商城」，选好礼品后确认收货地址并提交兑换，"
            "实物礼品一般5至7天内送达。",
        "unit": "件", "provider": "平安万里通",
        "provider_notes_en": "Ship physical gifts within 3 working days of the order and upload "
            "the tracking number; points are refunded if the gift is out of stock.",
        "provider_notes": "兑换后3个工作日内发货并上传物流单号；如礼品缺货，须退还客户积分。",
    },
    "Points to airline miles": {
        "description": "积分可按比例兑换合作航空公司的常旅客里程，用于兑换机票或升舱。",
        "how_to_use": "在金管家App「积分商城」-「里程兑换」绑定您的常旅客卡号，"
            "输入要兑换的积分数量并确认，里程通常3个工作日内到账。",
        "unit": "次", "provider": "平安万里通",
        "provider_notes_en": "Credit the miles to the airline account within 3 working days; if "
            "the airline rejects the number, refund the points and tell the customer.",
        "provider_notes": "3个工作日内将里程转入航空公司账户；如卡号被航司拒绝，"
            "退还积分并通知客户。",
    },
    "Health mall voucher": {
        "description": "平安健康商城50元抵用券，可用于购买保健品、家用医疗器械等健康产品。",
        "how_to_use": "在金管家App「权益」-「礼品」领取抵用券，在健康商城下单结算时自动抵扣。",
        "unit": "张", "provider": "平安健康商城",
        "provider_notes_en": "Apply the voucher at checkout once per order; report redeemed "
            "vouchers in the monthly reconciliation.",
        "provider_notes": "每笔订单限用一张，结算时自动抵扣；已使用的抵用券计入月度对账。",
    },
    "Mid-Autumn mooncake gift box": {
        "description": "中秋节前送到的美心月饼礼盒一盒，多种口味组合，适合自家品尝或送礼。",
        "how_to_use": "每年8月在金管家App「权益」-「礼品」确认收货地址，礼盒将在中秋节前寄出。",
        "unit": "盒", "provider": "美心",
        "provider_notes_en": "Ship every confirmed address at least five days before Mid-Autumn "
            "and upload the tracking numbers.",
        "provider_notes": "中秋节前至少5天按已确认地址发货，并上传物流单号。",
    },
    "Spring Festival gift hamper": {
        "description": "春节年货礼盒一份，精选坚果、干货和节庆好物，在春节前送货上门。",
        "how_to_use": "每年1月在金管家App「权益」-「礼品」确认收货地址，礼盒将在春节前寄出。",
        "unit": "盒", "provider": "平安健康商城",
        "provider_notes_en": "Ship every confirmed address at least a week before Spring "
            "Festival; report undelivered parcels within 2 days.",
        "provider_notes": "春节前至少一周按已确认地址发货；未能送达的包裹须在2天内上报。",
    },
    "Dragon Boat Festival zongzi box": {
        "description": "端午节前送到的五芳斋粽子礼盒一盒，咸甜口味搭配。",
        "how_to_use": "每年5月在金管家App「权益」-「礼品」确认收货地址，礼盒将在端午节前寄出。",
        "unit": "盒", "provider": "五芳斋",
        "provider_notes_en": "Ship every confirmed address at least five days before the festival "
            "and upload the tracking numbers.",
        "provider_notes": "端午节前至少5天按已确认地址发货，并上传物流单号。",
    },
    "Birthday cake": {
        "description": "生日当天或前后送达的好利来生日蛋糕一个，多款可选。",
        "how_to_use": "生日当月在金管家App「权益」-「礼品」选择蛋糕款式和送达日期，填写收货地址，"
            "至少提前2天下单。",
        "unit": "个", "provider": "好利来",
        "provider_notes_en": "Confirm the order within 24 hours and deliver on the chosen day; "
            "report delivery in the app.",
        "provider_notes": "收到订单后24小时内确认，在客户选择的日期送达，并在App回传签收状态。",
    },
    "Policy anniversary gift": {
        "description": "长期寿险保单每满一个保单年度，送您一份周年小礼，感谢一路相伴。",
        "how_to_use": "在保单周年日所在月份，于金管家App「权益」-「礼品」领取并确认收货地址。",
        "unit": "份", "provider": "平安人寿",
        "provider_notes_en": "Ship within 5 working days of the claim; only policies in force on "
            "the anniversary qualify.",
        "provider_notes": "客户领取后5个工作日内发货；仅限周年日时保单仍有效的客户。",
    },
    "Birthday flowers": {
        "description": "生日当天送达的一束roseonly鲜花。",
        "how_to_use": "无需申请，鲜花会在您生日当天自动送出；请提前在金管家App中确认收花地址。",
        "unit": "束", "provider": "roseonly诺誓",
        "provider_notes_en": "Deliver on the birthday to the confirmed address; call the customer "
            "the day before if no address is confirmed.",
        "provider_notes": "生日当天按确认地址送达；如客户尚未确认地址，须在前一天电话联系。",
    },
    "Wedding anniversary dinner": {
        "description": "结婚纪念日当天，在合作酒店餐厅享用双人晚餐一次。",
        "how_to_use": "请联系您的专属服务经理，告知纪念日日期和城市，由服务经理为您订位。",
        "unit": "次", "provider": "Aspire Lifestyles礼宾",
        "provider_notes_en": "Confirm the table within 24 hours of the request; tell the "
            "restaurant it is an anniversary.",
        "provider_notes": "收到需求后24小时内确认订位；提前告知餐厅为结婚纪念日用餐。",
    },
    "Coffee vouchers": {
        "description": "瑞幸咖啡电子饮品券，每张可免费兑换一杯咖啡。",
        "how_to_use": "在金管家App「权益」-「礼品」领取咖啡券，到店出示券码，"
            "或在瑞幸咖啡App中使用兑换。",
        "unit": "张", "provider": "瑞幸咖啡",
        "provider_notes_en": "Each code is valid once; report redeemed codes in the monthly "
            "reconciliation.",
        "provider_notes": "每个券码限用一次；已兑换券码计入月度对账。",
    },
    "Supermarket gift card": {
        "description": "盒马200元电子购物卡一张，线上App和线下门店均可使用。",
        "how_to_use": "在金管家App「权益」-「礼品」领取购物卡，绑定到盒马App后即可使用。",
        "unit": "张", "provider": "盒马",
        "provider_notes_en": "Issue the card number within 1 hour of the claim; report activated "
            "cards monthly.",
        "provider_notes": "客户领取后1小时内发放卡号；每月回传已激活卡片。",
    },
    "Video streaming membership": {
        "description": "爱奇艺黄金会员月卡一张，可看会员独享影视剧，跳过广告。",
        "how_to_use": "在金管家App「权益」-「礼品」领取兑换码，打开爱奇艺App进入「我的」-「兑换」"
            "输入兑换码激活。",
        "unit": "张", "provider": "爱奇艺",
        "provider_notes_en": "Each code gives one month and is valid once; report redeemed codes "
            "monthly.",
        "provider_notes": "每个兑换码对应一个月会员，限用一次；每月回传已兑换的兑换码。",
    },
    "Welcome coupon": {
        "description": "首次注册金管家App即送健康商城新客礼券一张，每人限领一次。",
        "how_to_use": "注册金管家App后，礼券自动发放到「我的」-「卡券包」，在健康商城下单时可用。",
        "unit": "张", "provider": "平安健康商城",
        "provider_notes_en": "Issue one coupon per registered customer; reject a second coupon "
            "for the same ID.",
        "provider_notes": "每位注册客户限发一张；同一身份证件不得重复发放。",
    },
}
