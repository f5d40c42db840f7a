"""The words of the survey pages, in the two languages customers get (survey.locale)."""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "title": "How did the handover go?",
        "intro": "Dear {customer}, your account at {company} is now looked after by {successor}. "
                 "Please tell us how the handover went. It takes about a minute.",
        "intro_no_successor": "Dear {customer}, your account at {company} has recently been handed over. "
                              "Please tell us how the handover went. It takes about a minute.",
        "csat_question": "How satisfied are you with the handover?",
        "csat_1": "Very dissatisfied",
        "csat_2": "Dissatisfied",
        "csat_3": "Neutral",
        "csat_4": "Satisfied",
        "csat_5": "Very satisfied",
        "nps_question": "How likely are you to recommend us to a friend or colleague?",
        "nps_low": "0 = not at all likely",
        "nps_high": "10 = extremely likely",
        "comment_question": "Anything else you would like to tell us? (optional)",
        "submit": "Send my answer",
        "invalid": "Please check your answer:",
        "error_csat": "choose how satisfied you are, from 1 to 5.",
        "error_nps": "choose a number from 0 to 10.",
        "error_comment": "keep the comment under {limit} characters.",
        "thanks_title": "Thank you!",
        "thanks_body": "Your answer has been recorded. We appreciate the time you took.",
        "privacy": "Your answer is seen only by {company}'s customer success team.",
    },
    "zh-CN": {
        "title": "客户经理交接满意度调查",
        "intro": "尊敬的{customer}：您在{company}的客户经理已交接给{successor}。"
                 "请告诉我们您对这次交接的感受，大约需要一分钟。",
        "intro_no_successor": "尊敬的{customer}：您在{company}的客户经理近期已完成交接。"
                              "请告诉我们您对这次交接的感受，大约需要一分钟。",
        "csat_question": "您对本次交接的满意程度如何？",
        "csat_1": "非常不满意",
        "csat_2": "不满意",
        "csat_3": "一般",
        "csat_4": "满意",
        "csat_5": "非常满意",
        "nps_question": "您有多大可能向朋友或同事推荐我们？",
        "nps_low": "0 = 完全不可能",
        "nps_high": "10 = 非常可能",
        "comment_question": "还有什么想告诉我们的吗？（选填）",
        "submit": "提交",
        "invalid": "请检查您的回答：",
        "error_csat": "请选择满意程度（1–5）。",
        "error_nps": "请选择 0–10 之间的一个数字。",
        "error_comment": "意见请不超过 {limit} 字。",
        "thanks_title": "感谢您的反馈！",
        "thanks_body": "您的回答已记录，感谢您抽出宝贵时间。",
        "privacy": "您的回答仅供{company}客户成功团队查看。",
    },
}

# Pages shown when there is no open survey behind a link: the language is not known (or the
# link is not the customer's), so they speak both.
NOTICES: dict[str, dict[str, tuple[str, str]]] = {
    "unknown": {
        "zh-CN": ("此调查链接无效", "请确认邮件中的链接已完整打开。如果您收到过关于本调查的新邮件，请使用新邮件中的链接。"),
        "en": ("This survey link is not valid",
               "Please check that the whole link from the email was opened. If you received a newer "
               "email about this survey, please use the link in that one."),
    },
    "answered": {
        "zh-CN": ("此调查已提交", "我们已收到您的回答，感谢您的反馈！"),
        "en": ("This survey has already been answered", "We have your answer. Thank you for your feedback!"),
    },
    "expired": {
        "zh-CN": ("此调查已结束", "感谢您的关注，本调查已截止，无需再填写。"),
        "en": ("This survey has closed", "Thank you for your interest; the survey is no longer open."),
    },
    "not_found": {
        "zh-CN": ("页面不存在", "请使用邮件中的调查链接。"),
        "en": ("Page not found", "Please use the survey link from your email."),
    },
    "error": {
        "zh-CN": ("抱歉，系统暂时出现问题", "您的回答可能尚未保存，请稍后再试。"),
        "en": ("Sorry, something went wrong on our side",
               "Your answer may not have been saved. Please try again later."),
    },
}
