"""The small Ninh Bình tenant's codes, as the dispatch tests name them."""

from datetime import date

ISSUED_ON = date(2026, 11, 27)  # a Friday
HOLIDAY = date(2026, 12, 3)  # a Thursday off, in the exchange fixture's calendar
PROVINCE = "000.00.00.H42"
VP_UBND = "000.00.01.H42"
SO_NOI_VU = "000.00.02.H42"
SO_TAI_CHINH = "000.00.03.H42"
KIM_SON = "000.00.15.H42"
PHAT_DIEM = "000.01.15.H42"
KIM_CHINH = "000.02.15.H42"
VPCP = "000.00.00.G22"
