"""Dutch dates: "1 december 2026 14:05", months in lower case, a 24-hour clock."""

DATE_FORMAT = "j F Y"  # 1 december 2026
TIME_FORMAT = "H:i"  # 14:05
DATETIME_FORMAT = "j F Y H:i"  # 1 december 2026 14:05
YEAR_MONTH_FORMAT = "F Y"  # december 2026
MONTH_DAY_FORMAT = "j b"  # 1 dec (chart axes)
SHORT_DATE_FORMAT = "j b Y"  # 1 dec 2026
SHORT_DATETIME_FORMAT = "j b Y H:i"  # 1 dec 2026 14:05
FIRST_DAY_OF_WEEK = 1  # maandag
