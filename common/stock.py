"""Stock rules the phone and the server share: what an install takes from, and how van stock is keyed."""

from common.enums import StockGrade

#: The grades that can serve a replacement: stock ready to install.
READY_GRADES = (StockGrade.NEW, StockGrade.REFURBISHED)
#: The grade an install takes from when its entry names none (protocol version 1).
DEFAULT_INSTALL_GRADE = StockGrade.NEW


def install_grade(payload: dict) -> StockGrade:
    """The grade a `part_installed` payload takes out of the van."""
    return StockGrade(payload.get("grade") or DEFAULT_INSTALL_GRADE)


def van_stock_key(part_number_id: int, grade: StockGrade | str) -> str:
    """The key of a van stock record: "<part number id>:<grade>"."""
    return f"{part_number_id}:{StockGrade(grade).value}"
