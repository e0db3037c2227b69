from enum import Enum


class MoneyErrorCode(Enum):
    # 409: the use would pass a budget's cap (in uses or in yuan); nothing was spent.
    BUDGET_EXHAUSTED = "budget_exhausted"
    # 400: a contract price starts in the past (prices in force are never rewritten).
    PRICE_IN_THE_PAST = "price_in_the_past"
    # 409: the statement is approved; corrections go into the next one.
    STATEMENT_FROZEN = "statement_frozen"
    # 409: a statement is approved only when reconciliation has nothing open.
    STATEMENT_HAS_OPEN_ITEMS = "statement_has_open_items"
    # 409: a month is approved once it is over (its last uses may still come in).
    STATEMENT_MONTH_NOT_OVER = "statement_month_not_over"
    # 409: an earlier statement of the same supplier is still a draft.
    EARLIER_STATEMENT_OPEN = "earlier_statement_open"
    # 400: a supplier's bill that cannot be read with its column mapping.
    BILL_FILE_INVALID = "bill_file_invalid"
    # 409: a reconciliation item is decided once.
    ITEM_DECIDED = "reconciliation_item_decided"
    # 404
    ITEM_NOT_FOUND = "reconciliation_item_not_found"
    # 404
    STATEMENT_NOT_FOUND = "statement_not_found"
    # 400
    INVALID = "invalid"
