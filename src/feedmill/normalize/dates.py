"""Dates as feeds write them, to timezone-aware UTC datetimes.

RSS uses RFC 822, Atom and JSON Feed RFC 3339; real feeds use anything.  A
date that names no zone is read in the feed's own time zone (for Chinese
sites, Asia/Shanghai), never silently as UTC.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from email.utils import parsedate_tz
from functools import partial

# "2024年1月2日 10:00", as Chinese sites write it: a weekday may follow the
# day ("星期二", "（周二）"), 上午/下午 (or AM/PM) come before the time, and
# an offset ("+0800", "+08:00") or 北京时间 after it.  The year may be left
# out ("1月2日 10:00": this year's), and the date written "2024-01-02" before
# a time written so ("2024-01-02 下午3:00", "2024-01-02 08时00分").
_CJK_DATE = re.compile(
    r"^\s*(?:(?:(?P<year>\d{4})\s*年\s*)?(?P<month>\d{1,2})\s*月\s*(?P<day>\d{1,2})\s*[日号]"
    r"|(?P<iso_year>\d{4})(?P<sep>[-/.])(?P<iso_month>\d{1,2})(?P=sep)(?P<iso_day>\d{1,2}))\s*"
    r"(?:[(（]?\s*(?:星期|周|礼拜)[一二三四五六日天]\s*[)）]?\s*)?"
    r"(?:(?P<part>上午|早上|早晨|凌晨|中午|下午|傍晚|晚上|[AaPp][Mm])?\s*"
    r"(?P<hour>\d{1,2})\s*(?:[:：]\s*(?P<minute>\d{1,2})"
    r"(?:\s*[:：]\s*(?P<second>\d{1,2})\s*秒?|\s*分)?"
    r"|[时点](?:\s*(?P<minute_said>\d{1,2})(?:\s*分(?:\s*(?P<second_said>\d{1,2})\s*秒?)?)?)?))?\s*"
    r"(?:(?P<zone_hours>[+-]\d\d):?(?P<zone_minutes>\d\d)|[(（]?\s*(?P<beijing>北京时间)\s*[)）]?)?\s*$"
)
# An RFC 822 date as Java writes it in a Chinese locale: "周一, 30 11月 2026
# 08:00:00 +0800", "星期一, 30 十一月 2026 …" (its older locale data).
_CHINESE_RFC822 = re.compile(
    r"^\s*(?:(?:星期|周|礼拜)[一二三四五六日天]\s*[,，]?\s*)?(\d{1,2})\s+"
    r"(\d{1,2}|十[一二]?|[一二三四五六七八九])\s*月\s+(?=\d{4}\s)"
)
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_CHINESE_NUMBERS = {n: i for i, n in enumerate("一二三四五六七八九十", 1)} | {
    "十一": 11,
    "十二": 12,
}
_AFTERNOON = frozenset({"下午", "傍晚", "晚上", "PM", "pm", "Pm", "pM"})
_MORNING = frozenset({"上午", "早上", "早晨", "凌晨", "AM", "am", "Am", "aM"})
_ISO_SPACE = re.compile(r"^(\d{4}-\d\d-\d\d) (\d)")
_RFC822_HINT = re.compile(r"^\s*(?:[A-Za-z]{3},?\s+)?\d{1,2}\s+[A-Za-z]{3}\s+\d{2,4}\b")
# A zone after the time: "+0800", "GMT", "EST", "Z" …
# (Minutes and seconds of one digit too: "16:1:0 GMT", as some scripts print them.)
_RFC822_ZONE = re.compile(r"\d:\d{1,2}(?::\d{1,2})?\s*(?:[+-]\d{4}|[A-Za-z]{1,5})\s*$")
# JavaScript's Date.toString() and others: "GMT+0800", "UTC+8", "GMT+08:00" —
# an offset east of Greenwich, as written (not POSIX's inverted "GMT+8").
# (Right after the seconds too: "14:30:00GMT+8".)
_NAMED_OFFSET = re.compile(r"(?<![A-Za-z])(?:GMT|UTC|UT)\s*([+-])(\d{1,2})(?::?(\d\d))?\b")
_COLON_OFFSET = re.compile(r"(\d:\d{1,2}(?::\d{1,2})?\s*[+-]\d\d):(\d\d)\s*$")  # RFC 822 "+08:00"
_COMMENT = re.compile(r"\s*\([^()]*\)\s*$")  # "… GMT+0800 (China Standard Time)"
# … but "14:30 (UTC+8)" says the time's offset: not a comment.
_OFFSET_SAID = re.compile(r"\s*[(（]\s*((?:GMT|UTC|UT)\s*[+-]\d{1,2}(?::?\d\d)?)\s*[)）]\s*$")
_ENDS_WITH_TIME = re.compile(r"\d:\d{1,2}(?::\d{1,2})?\s*$")
# "CST" is China Standard Time to a server in China (Java's Date.toString()),
# Central Standard Time to one in the US: read by the feed's zone.
_CST = re.compile(r"\bCST\b")
# A zone's name or region after the offset that says it: "+0000 GMT",
# "-0400 EDT", Go's "+0000 UTC", Java's "+08:00[Asia/Shanghai]" and
# "Z[UTC]".  The offset is the date's: the readers refused the pair, or took
# the name alone ("+0800 CST" as US Central time in a feed whose zone is not
# China's).
_NAME_AFTER_OFFSET = re.compile(
    r"(\d\s*(?:[+-]\d\d:?\d\d|Z))\s*(?:[A-Za-z]{1,5}|\[[A-Za-z][\w+-]*(?:/[\w+-]+)*\])\s*$"
)
# Go's time.Now().String() ends with the monotonic clock's reading: no date's.
_MONOTONIC = re.compile(r"\s+m=[+-]?[\d.]+$")


# 北京时间 (Beijing time) before or after a date that is not written the
# Chinese way ("2022-09-20 16:01 北京时间"; _CJK_DATE reads it after one).
_BEIJING = re.compile(r"^\s*[(（]?\s*北京时间\s*[)）:：]?\s*|\s*[(（]?\s*北京时间\s*[)）]?\s*$")


def _english_month(match: re.Match[str]) -> str:
    day, month = match.groups()
    number = int(month) if month.isdigit() else _CHINESE_NUMBERS[month]
    return f"{day} {_MONTHS[number - 1]} " if 1 <= number <= 12 else match[0]


def _offset(match: re.Match[str]) -> str:
    sign, hours, minutes = match.groups()
    return f"{sign}{int(hours):02d}{minutes or '00'}"


def _spelled(text: str, zone: tzinfo) -> str:
    """``text`` with its zone written as the readers below expect."""
    if "m=" in text:
        text = _MONOTONIC.sub("", text)
    if text.endswith((")", "）")):
        said = _OFFSET_SAID.search(text)
        if said is not None and _ENDS_WITH_TIME.search(text, 0, said.start()):
            text = f"{text[: said.start()]} {said[1]}"
        elif text.endswith(")"):
            text = _COMMENT.sub("", text)
    if "GMT" in text or "UT" in text:
        text = _NAMED_OFFSET.sub(_offset, text)
    if "北京时间" in text and not _CJK_DATE.match(text):
        bare = _BEIJING.sub("", text)
        if bare != text and "北京时间" not in bare:
            text = bare + " +0800"
    if "月" in text:
        text = _CHINESE_RFC822.sub(_english_month, text)
    text = _NAME_AFTER_OFFSET.sub(r"\1", text)
    if "CST" in text:
        china = zone.utcoffset(datetime(2000, 1, 1)) == timedelta(hours=8)
        text = _CST.sub("+0800" if china else "-0600", text, count=1)
    if not text[:4].isdigit():
        text = _COLON_OFFSET.sub(r"\1\2", text)
    return text


# The longest date text read: "Tuesday, September 20th, 2022 4:01:00 PM GMT+0800
# (China Standard Time)" is 70 characters.  Longer is no date, and each pattern
# and dateutil took time growing with the square of it ("Jan" × 20,000: 20 s).
MAX_DATE_TEXT = 200


# A Unix time of this century's first decades (2001-09 to 2033-05): ten
# digits from 1, or thirteen of milliseconds; no date written otherwise is
# a bare number of that size (20240305 is 8 digits, 202403051020 twelve).
EPOCH = re.compile(r"1\d{9}(?:\.\d+)?|1\d{12}")


def parse_date(text: str | None, zone: tzinfo) -> datetime | None:
    """``text`` as an aware UTC datetime; ``zone`` for dates without one."""
    if not text:
        return None
    text = text.strip()
    if len(text) > MAX_DATE_TEXT:
        return None
    if EPOCH.fullmatch(text):
        # Seconds (or milliseconds) since 1970, as some generators write a
        # pubDate: an undated item took the time it was first seen.
        seconds = float(text) / (1000 if "." not in text and len(text) == 13 else 1)
        return datetime.fromtimestamp(seconds, UTC)
    text = _spelled(text, zone)
    if not text or _ANCIENT_YEAR.search(text):
        return None
    if text[:1].isdigit() and not text[1:4].isdigit():
        text = _with_its_century(text, zone)
    readers = (_iso, _rfc822, partial(_cjk, zone=zone), partial(_relative, zone=zone))
    for reader in (*readers, partial(_dateutil, zone=zone)):
        try:
            value = reader(text)
        except (ValueError, OverflowError, TypeError):
            continue
        if value is not None:
            if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
                value = value.replace(tzinfo=zone)
            try:
                return value.astimezone(UTC)
            except (ValueError, OverflowError):
                return None
    return None


def _iso(text: str) -> datetime | None:
    if not text[:4].isdigit() or len(text) < 10 or text[4] != "-":
        return None
    text = _ISO_SPACE.sub(r"\1T\2", text)
    if text.endswith(("z", "Z")):
        text = text[:-1] + "+00:00"
    return datetime.fromisoformat(text)


# The zone names parsedate_tz knows; it reads any other (HKT, JST) as UTC.
_PARSEDATE_ZONES = frozenset(
    {"UT", "UTC", "GMT", "Z", "AST", "ADT", "EST", "EDT", "CST", "CDT", "MST", "MDT", "PST", "PDT"}
)
_ZONE_NAME = re.compile(r"\d:\d{1,2}(?::\d{1,2})?\s*([A-Za-z]{1,5})\s*$")
_HOUR = re.compile(r"\b(\d{1,2}):\d\d")
_AM_PM = re.compile(r"\d\s*[AaPp]\.?[Mm]\.?(?:\s|$)")
# A year written with three or four digits, or a minus, that is below 1000:
# Go's zero time (`Mon, 01 Jan 0001`, Hugo's date for undated pages), PHP's
# `date('r')` of 0000-00-00 (`Wed, 30 Nov -0001`).  Every reader takes a
# year below 100 for a two-digit one (2001), so these are said undated first.
_ANCIENT_YEAR = re.compile(
    r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?,?\s+"
    r"(?:\d{1,2}(?:st|nd|rd|th)?,?\s+)?"
    r"(?:-\d+|0\d{2,3})\b",
    re.IGNORECASE,
)


def _rfc822(text: str) -> datetime | None:
    if not _RFC822_HINT.match(text):
        return None
    # parsedate_tz ignores "PM" (16 hours off) and reads unknown zone names as
    # UTC: such dates are dateutil's, which reads both (see _ZONES).
    am_pm = _AM_PM.search(text)
    if am_pm:
        clock = _HOUR.search(text)
        if clock is None or 1 <= int(clock.group(1)) <= 12:
            return None
        # "14:30:00 PM": a 24-hour time with a stray marker (Java's "HH:mm a").
        text = (text[: am_pm.start() + 1] + " " + text[am_pm.end() :]).strip()
    zone_name = _ZONE_NAME.search(text)
    if zone_name and zone_name.group(1).upper() not in _PARSEDATE_ZONES:
        return None
    parts = parsedate_tz(text)
    if parts is None:
        return None
    *fields, offset = parts
    year, month, day, hour, minute, second = fields[:6]
    value = datetime(year, month, day, hour, minute, second)
    # parsedate_tz reports a missing zone as UTC; only a written zone counts.
    if offset is None or not _RFC822_ZONE.search(text):
        return value
    return value.replace(tzinfo=timezone(timedelta(seconds=offset)))


def _cjk(text: str, zone: tzinfo) -> datetime | None:
    match = _CJK_DATE.match(text)
    if not match:
        return None
    date = match.group("year", "month", "day")
    if date[1] is None:
        date = match.group("iso_year", "iso_month", "iso_day")
    year, month, day = (int(number) if number else None for number in date)
    part = match["part"]
    minute = match["minute"] or match["minute_said"]  # "10:30:15", "10点30分15秒"
    second = match["second"] or match["second_said"]
    clock, later = int(match["hour"] or 0), timedelta()
    if part == "晚上" and clock == 12:
        clock, later = 0, timedelta(days=1)  # 晚上12点: the midnight that ends the day
    elif (part in _AFTERNOON and clock < 12) or (part == "中午" and clock < 11):
        clock += 12  # 下午3点 is 15:00; 中午1点 13:00, 中午11点 11:00
    elif part in _MORNING and clock == 12:
        clock = 0  # 凌晨12点: the midnight that begins it
    if match["beijing"]:
        zone = timezone(timedelta(hours=8))
    elif match["zone_hours"]:
        sign, hours, minutes = (
            match["zone_hours"][0],
            match["zone_hours"][1:],
            match["zone_minutes"],
        )
        offset = timedelta(hours=int(hours), minutes=int(minutes))
        zone = timezone(-offset if sign == "-" else offset)
    now = datetime.now(zone)  # (where the date is: 1月1日 is 2027's in Beijing first)
    value = datetime(
        year or now.year, month or 0, day or 0, clock, int(minute or 0), int(second or 0)
    )
    if year is None and value > now.replace(tzinfo=None) + timedelta(days=2):
        value = value.replace(year=now.year - 1)  # (December's news read in January)
    value += later
    return value.replace(tzinfo=zone) if match["beijing"] or match["zone_hours"] else value


# A date of two-digit year written with dashes, slashes or dots: "24-03-05"
# (yy-mm-dd, as Chinese sites write it), "05/03/24" (mm/dd/yy), "24.03.05".
_SHORT_YEAR = re.compile(r"^(\d{1,2})([-/.])(\d{1,2})\2(\d{2})(?=[\sT,]|$)")
# A European's date written with dots and its whole year: day first
# ("05.11.2026", 5 November; dateutil read it month first).
_DOTTED = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})(?=[\sT,]|$)")


def _with_its_century(text: str, zone: tzinfo) -> str:
    """A two-digit-year date as the nearer today, not days ahead, of two
    readings — dateutil's (mm-dd-yy, or dd-mm-yy where the first is no
    month or the date is written with dots) and yy-mm-dd, as Chinese sites
    write it — written yyyy-mm-dd.
    (Read dd-mm-yy alone, "24-03-05" was 24 March 2005, posted 20 years
    back; a US date keeps dateutil's reading where it is the nearer.)"""
    dotted = _DOTTED.match(text)
    if dotted is not None:
        day, month, year = map(int, dotted.groups())
        try:
            return f"{datetime(year, month, day).date().isoformat()}{text[dotted.end() :]}"
        except ValueError:
            return text
    found = _SHORT_YEAR.match(text)
    if found is None:
        return text
    first, _, middle, last = found.groups()
    a, b, c = int(first), int(middle), int(last)
    today = datetime.now(zone).date()
    readings = []
    # (dateutil's: month first but where the first is no month; a European's
    # dots, day first.)
    ours = (c, a, b) if a <= 12 and found[2] != "." else (c, b, a)
    for year, month, day in (ours, (a, b, c)):
        try:
            date = datetime(2000 + year, month, day).date()
        except ValueError:
            continue
        if date <= today + timedelta(days=1):
            readings.append(date)
    if not readings:
        return text
    date = min(readings, key=lambda d: abs(d - today))
    return f"{date.isoformat()}{text[found.end() :]}"


# A time of today, or of a day said by its distance: "14:30" (a flash's
# time: today's, where the feed is — or yesterday's, if that is still to
# come), "昨天 08:00", "今天 下午3:30", "前天", "周二 14:30" (the latest
# such day's); "5分钟前", "3小时前", "刚刚".
_DAY_AND_TIME = re.compile(
    r"^\s*(?:(?P<day>今天|今日|昨天|昨日|前天)|(?:星期|周|礼拜)(?P<weekday>[一二三四五六日天]))?\s*"
    r"(?:(?P<part>上午|早上|早晨|凌晨|中午|下午|傍晚|晚上)?\s*"
    r"(?P<hour>\d{1,2})\s*[:：]\s*(?P<minute>\d{2})(?:\s*[:：]\s*(?P<second>\d{2}))?)?\s*$"
)
_DAYS_BACK = {"今天": 0, "今日": 0, "昨天": 1, "昨日": 1, "前天": 2}
_WEEKDAYS = {name: number for number, name in enumerate("一二三四五六日")} | {"天": 6}
_SLACK = timedelta(minutes=10)  # a clock a little ahead of ours
_CLOCK = re.compile(r"\d[:：]\d\d|\d\s*[ap]\.?m\b", re.IGNORECASE)  # (or "11pm")
# What names a day: a number that is no part of a clock (its seconds'
# fraction too), an offset or a zone's ("14:30 +0800", "GMT+8"), or a
# month's name; or, of a week, a weekday's.  (In any case, as dateutil
# reads them: "FRI 14:30".)
_DAY_WRITTEN = re.compile(
    r"(?<![\d:：+.-])\d+(?![\d:：])(?!\s*[AaPp]\.?[Mm])|"
    r"\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)",
    re.IGNORECASE,
)
_WEEKDAY = re.compile(r"\b(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)", re.IGNORECASE)
_AGO = re.compile(r"^\s*(?:(?P<count>\d{1,4})\s*(?P<unit>秒|分钟|小时|天)前|(?P<now>刚刚))\s*$")
_UNITS = {"秒": 1, "分钟": 60, "小时": 3600, "天": 86400}


def _relative(text: str, zone: tzinfo) -> datetime | None:
    now = datetime.now(zone)
    ago = _AGO.match(text)
    if ago is not None:
        seconds = 0 if ago["now"] else int(ago["count"]) * _UNITS[ago["unit"]]
        return now - timedelta(seconds=seconds)
    said = _DAY_AND_TIME.match(text)
    if said is None or not (said["day"] or said["weekday"] or said["hour"]):
        return None
    clock, part = int(said["hour"] or 0), said["part"]
    if (part in _AFTERNOON and clock < 12) or (part == "中午" and clock < 11):
        clock += 12
    elif part in _MORNING and clock == 12:
        clock = 0
    if said["weekday"]:
        back, rollback = (now.weekday() - _WEEKDAYS[said["weekday"]]) % 7, timedelta(days=7)
    else:
        back, rollback = _DAYS_BACK[said["day"]] if said["day"] else 0, timedelta(days=1)
    day = now.date() - timedelta(days=back)
    value = datetime(
        day.year, day.month, day.day, clock, int(said["minute"] or 0), int(said["second"] or 0)
    ).replace(tzinfo=zone)
    if said["day"] is None and value > now + _SLACK:
        # A time still to come today: yesterday's (of a weekday, last week's).
        value -= rollback
    return value


# Zone names for dateutil (which knows only UTC and the local zone's): RFC
# 822's, and those of the regions whose news we read that mean one thing
# only (not IST, BST or AST: each names two zones; CST is read in _spelled).
# Any other name leaves the date in the feed's own zone.
_ZONES = {
    name: round(hours * 3600)
    for name, hours in (
        ("UT", 0), ("UTC", 0), ("GMT", 0), ("Z", 0), ("EST", -5), ("EDT", -4),
        ("CDT", -5), ("MST", -7), ("MDT", -6), ("PST", -8), ("PDT", -7),
        ("HKT", 8), ("BJT", 8), ("SGT", 8), ("MYT", 8), ("PHT", 8), ("AWST", 8),
        ("JST", 9), ("KST", 9), ("ICT", 7), ("WIB", 7), ("ACST", 9.5),
        ("AEST", 10), ("AEDT", 11), ("NZST", 12), ("NZDT", 13), ("MSK", 3),
        ("WET", 0), ("WEST", 1), ("CET", 1), ("CEST", 2), ("EET", 2), ("EEST", 3),
        ("AKST", -9), ("AKDT", -8), ("HST", -10),
    )
}  # fmt: skip


def _dateutil(text: str, zone: tzinfo) -> datetime | None:
    import warnings

    from dateutil import parser

    # What the text leaves out (its year: "Mar 5 14:30") is the feed's
    # today's, not the machine's.
    now = datetime.now(zone)
    today = now.replace(tzinfo=None, hour=0, minute=0, second=0, microsecond=0)
    try:
        with warnings.catch_warnings():
            # An unknown zone name ("HKT") leaves the date zone-less: the feed's zone.
            warnings.simplefilter("ignore", parser.UnknownTimezoneWarning)
            value: datetime = parser.parse(text, tzinfos=_ZONES, default=today)
            if _CLOCK.search(text) and not _DAY_WRITTEN.search(text):
                # A time alone ("2:30 PM", "14:30 +0800"), or of a weekday
                # ("TUE 23:00", which dateutil reads as the coming one): the
                # latest such time, not one still to come (as `_relative`
                # reads "14:30").  (Its day where its own offset is: a day
                # either side of the feed's.)
                aware = value if value.tzinfo is not None else value.replace(tzinfo=zone)
                steps = (0, -7, -14) if _WEEKDAY.search(text) else (1, 0, -1, -2)
                days = next((d for d in steps if aware + timedelta(days=d) <= now + _SLACK), 0)
                return value + timedelta(days=days)
        return value
    except (parser.ParserError, ValueError, OverflowError):
        return None
