"""Normalize: raw items to stable entries — keys, dates, titles, bodies."""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from feedmill.models import ParsedFeed, RawEntry
from feedmill.normalize.dates import parse_date
from feedmill.normalize.document import entry_key, normalize_document, normalize_entry
from feedmill.normalize.text import (
    clean_title,
    looks_like_html,
    nfkc,
    plain_to_html,
    reading_text,
    shows_text,
    strip_tags,
    visible_text,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_a_chinese_date_that_names_its_zone_is_read_in_it() -> None:
    """北京时间 and an offset, whatever the feed's own zone."""
    new_york = ZoneInfo("America/New_York")
    assert parse_date("2022年9月21日 10:30 北京时间", new_york) == utc(2022, 9, 21, 2, 30)
    assert parse_date("2022年9月21日 10:30 +09:00", new_york) == utc(2022, 9, 21, 1, 30)
    assert parse_date("2022年9月21日 10:30", new_york) == utc(2022, 9, 21, 14, 30)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Tue, 20 Sep 2022 16:01:00 GMT", utc(2022, 9, 20, 16, 1)),
        ("Wed, 21 Sep 2022 00:01:00 +0800", utc(2022, 9, 20, 16, 1)),
        ("2022-09-21T00:01:00+08:00", utc(2022, 9, 20, 16, 1)),
        ("2022-09-20T16:01:00Z", utc(2022, 9, 20, 16, 1)),
        ("2022-09-20T16:01:00.123456Z", utc(2022, 9, 20, 16, 1, 0, 123456)),
        # No zone: read in the feed's zone (Asia/Shanghai), never as UTC.
        ("2022-09-21 00:01:00", utc(2022, 9, 20, 16, 1)),
        ("Wed, 21 Sep 2022 00:01:00", utc(2022, 9, 20, 16, 1)),
        ("2022年09月21日 00:01", utc(2022, 9, 20, 16, 1)),
        ("2022年9月21日", utc(2022, 9, 20, 16, 0)),
        ("2022年9月21日 10时30分", utc(2022, 9, 21, 2, 30)),
        ("2022年9月21日 10点30分", utc(2022, 9, 21, 2, 30)),
        ("2022年9月21日10点30", utc(2022, 9, 21, 2, 30)),
        ("2022年9月21日 10时30分15秒", utc(2022, 9, 21, 2, 30, 15)),
        ("2022年9月21日 10:30:15", utc(2022, 9, 21, 2, 30, 15)),
        # A weekday, 上午/下午 (AM/PM) before the time, an offset or 北京时间 after.
        ("2022年9月21日 星期三 10:30", utc(2022, 9, 21, 2, 30)),
        ("2022年9月21日（周三）10:30", utc(2022, 9, 21, 2, 30)),
        ("2022年9月21日 下午3:05", utc(2022, 9, 21, 7, 5)),
        ("2022年9月21日 晚上11:05", utc(2022, 9, 21, 15, 5)),
        ("2022年9月21日 下午12:05", utc(2022, 9, 21, 4, 5)),
        ("2022年9月21日 上午12:05", utc(2022, 9, 20, 16, 5)),
        ("2022年9月21日 上午9:05", utc(2022, 9, 21, 1, 5)),
        ("2022年9月21日 PM 3:05", utc(2022, 9, 21, 7, 5)),
        ("2022年09月21日 10:30:00 +0800", utc(2022, 9, 21, 2, 30)),
        ("2022年09月21日 10:30 +09:00", utc(2022, 9, 21, 1, 30)),
        ("2022年9月21日 10:30 北京时间", utc(2022, 9, 21, 2, 30)),
        ("2022年9月21日 下午3点", utc(2022, 9, 21, 7, 0)),
        ("2022年9月21日 中午1点", utc(2022, 9, 21, 5, 0)),
        ("2022年9月21日 晚上12:00", utc(2022, 9, 21, 16, 0)),  # the day's end
        ("2022年9月21日 10时", utc(2022, 9, 21, 2, 0)),
        ("2022年9月21日 10点:30", None),  # (":30" was read as its seconds)
        ("2022年9月21日 10点分", None),
        ("2022年9月21日 10时15秒", None),  # (no minute: not 10:01:05)
        # A date written with dashes before a time written the Chinese way.
        ("2022-09-21 下午3:00", utc(2022, 9, 21, 7, 0)),
        ("2022-09-21 08时00分", utc(2022, 9, 21, 0, 0)),
        ("2022-09-21 (周三) 08:00", utc(2022, 9, 21, 0, 0)),
        ("2022年9月21号 08:00", utc(2022, 9, 21, 0, 0)),
        # RFC 822 as Java writes it in a Chinese locale (CLDR's; its older data's).
        ("周三, 21 9月 2022 08:00:00 +0800", utc(2022, 9, 21, 0, 0)),
        ("星期三, 21 九月 2022 09:00:00 +0800", utc(2022, 9, 21, 1, 0)),
        ("21 十二月 2022 09:00:00 GMT", utc(2022, 12, 21, 9, 0)),
        # … as Java's and C#'s patterns write them.
        ("2023年03月14日 14:51分", utc(2023, 3, 14, 6, 51)),
        ("2023年03月14日 14:51:09秒", utc(2023, 3, 14, 6, 51, 9)),
        ("2022年9月21日 10时30分15", utc(2022, 9, 21, 2, 30, 15)),
        ("2022年9月21日 10:30 分", utc(2022, 9, 21, 2, 30)),
        ("September 21, 2022 12:00 AM", utc(2022, 9, 20, 16, 0)),
        # Zones as servers really write them.
        ("Wed, 21 Sep 2022 00:01:00 +08:00", utc(2022, 9, 20, 16, 1)),
        ("Wed Sep 21 2022 00:01:00 GMT+0800 (中国标准时间)", utc(2022, 9, 20, 16, 1)),
        ("2022-09-21 00:01:00 GMT+0800", utc(2022, 9, 20, 16, 1)),
        ("Wed, 21 Sep 2022 00:01:00 UTC+8", utc(2022, 9, 20, 16, 1)),
        ("Tue Sep 20 11:01:00 EST 2022", utc(2022, 9, 20, 16, 1)),
        # CST in a feed read in China time is China Standard Time (Java's Date).
        ("Wed Sep 21 00:01:00 CST 2022", utc(2022, 9, 20, 16, 1)),
        ("Wed, 21 Sep 2022 00:01:00 CST", utc(2022, 9, 20, 16, 1)),
        # Zone names of the region that RFC 822 does not know (once read as UTC).
        ("Wed, 21 Sep 2022 00:01:00 HKT", utc(2022, 9, 20, 16, 1)),
        ("Wed, 21 Sep 2022 01:01:00 JST", utc(2022, 9, 20, 16, 1)),
        ("Wed, 21 Sep 2022 00:01:00 SGT", utc(2022, 9, 20, 16, 1)),
        # A name that means two zones, or none: the feed's zone.
        ("Wed, 21 Sep 2022 00:01:00 IST", utc(2022, 9, 20, 16, 1)),
        ("Wed, 21 Sep 2022 00:01:00 XYZ", utc(2022, 9, 20, 16, 1)),
        # AM/PM after an RFC 822 time (it was ignored: 12 hours off).
        ("Tue, 20 Sep 2022 4:01:00 PM GMT", utc(2022, 9, 20, 16, 1)),
        ("Wed, 21 Sep 2022 12:01 AM", utc(2022, 9, 20, 16, 1)),
        ("Wed, 21 Sep 2022 12:01:00 PM +0800", utc(2022, 9, 21, 4, 1)),
        # A 24-hour time with a stray marker (Java's "HH:mm a"): the marker is noise.
        ("Wed, 21 Sep 2022 14:30:00 PM +0800", utc(2022, 9, 21, 6, 30)),
        ("Wed, 21 Sep 2022 14:30 PM", utc(2022, 9, 21, 6, 30)),
        # An offset and, after it, its zone's name or region: the offset is
        # the date's (the pair was refused, or the name read alone).
        ("Tue, 20 Sep 2022 16:01:00 +0000 GMT", utc(2022, 9, 20, 16, 1)),
        ("Tue, 20 Sep 2022 08:01:00 -0400 EDT", utc(2022, 9, 20, 12, 1)),
        ("2022-09-20 16:01:00 +0000 UTC", utc(2022, 9, 20, 16, 1)),  # Go's time.String()
        ("2022-09-20 16:01:00.5 +0000 UTC", utc(2022, 9, 20, 16, 1, 0, 500000)),
        ("2022-09-21T00:01:00+08:00[Asia/Shanghai]", utc(2022, 9, 20, 16, 1)),  # Java's
        ("2022-09-20T16:01:00Z[UTC]", utc(2022, 9, 20, 16, 1)),
        ("Tue, 20 Sep 2022 17:01:00 +01:00 CET", utc(2022, 9, 20, 16, 1)),
        # Go's time.Now().String(), its monotonic clock's reading last.
        ("2022-09-20 16:01:00.5 +0000 UTC m=+0.000000001", utc(2022, 9, 20, 16, 1, 0, 500000)),
        # 北京时间 before or after a date not written the Chinese way.
        ("2022-09-21 00:01 北京时间", utc(2022, 9, 20, 16, 1)),
        ("2022/09/21 00:01:00（北京时间）", utc(2022, 9, 20, 16, 1)),
        ("北京时间：2022年9月21日00:01", utc(2022, 9, 20, 16, 1)),
        ("北京时间 2022-09-21 00:01", utc(2022, 9, 20, 16, 1)),
        # Minutes and seconds of one digit, as some scripts print them.
        ("Tue, 20 Sep 2022 16:1:0 GMT", utc(2022, 9, 20, 16, 1)),
        ("Tue, 20 Sep 2022 17:1:0 +01:00", utc(2022, 9, 20, 16, 1)),
        # Seconds or milliseconds since 1970, as some generators write a pubDate.
        ("1663689660", utc(2022, 9, 20, 16, 1)),
        (" 1663689660.5 ", utc(2022, 9, 20, 16, 1, 0, 500000)),
        ("1663689660000", utc(2022, 9, 20, 16, 1)),
        # … not a date of digits alone: a day, a day and a time.
        ("20220921", utc(2022, 9, 20, 16)),
        ("202209210001", utc(2022, 9, 20, 16, 1)),
    ],
)
def test_dates_become_aware_utc(text: str, expected: datetime) -> None:
    assert parse_date(text, SHANGHAI) == expected


def test_a_chinese_date_without_its_year_is_of_the_year_just_past() -> None:
    """ "11月30日 10:00" is this year's, unless that is days ahead: then last
    year's (December's news read in January).  It was no date: the item took
    the time it was first seen."""
    now = datetime.now(SHANGHAI)
    for back in (1, 200):
        day = now - timedelta(days=back)
        read = parse_date(f"{day.month}月{day.day}日 10:00", SHANGHAI)
        assert read == day.replace(hour=10, minute=0, second=0, microsecond=0).astimezone(UTC)
    ahead = now + timedelta(days=10)
    read = parse_date(f"{ahead.month}月{ahead.day}日 10:00", SHANGHAI)
    assert read is not None and read.year == ahead.year - 1


def test_a_date_without_its_year_is_of_the_year_where_the_feed_is(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """At 00:30 on 1 January in Beijing (16:30 UTC the day before), "1月1日
    00:10" is the new year's, not a year old."""
    from feedmill.normalize import dates

    class Clock(datetime):
        @classmethod
        def now(cls, tz: object = None) -> Clock:  # type: ignore[override]
            moment = datetime(2026, 12, 31, 16, 30, tzinfo=UTC)
            return moment.astimezone(tz) if tz is not None else moment  # type: ignore[return-value, arg-type]

    monkeypatch.setattr(dates, "datetime", Clock)
    assert parse_date("1月1日 00:10", SHANGHAI) == datetime(2026, 12, 31, 16, 10, tzinfo=UTC)
    # … or where the date says it is, whatever the feed's zone.
    new_year = datetime(2026, 12, 31, 16, 10, tzinfo=UTC)
    assert parse_date("1月1日 00:10 北京时间", ZoneInfo("America/New_York")) == new_year
    assert parse_date("1月1日 00:10 +0800", UTC) == new_year


class _Clock(datetime):
    """05:36 on 8 December 2026 in Beijing (21:36 UTC the day before)."""

    @classmethod
    def now(cls, tz: object = None) -> _Clock:  # type: ignore[override]
        moment = datetime(2026, 12, 7, 21, 36, tzinfo=UTC)
        return moment.astimezone(tz) if tz is not None else moment  # type: ignore[return-value, arg-type]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # A two-digit year: yy-mm-dd as Chinese sites write it (read dd-mm-yy, 2005).
        ("24-03-05 14:30", utc(2024, 3, 5, 6, 30)),
        ("26-01-15", utc(2026, 1, 14, 16)),
        ("25/12/01", utc(2025, 11, 30, 16)),
        ("24.03.05 14:30", utc(2024, 3, 5, 6, 30)),
        # … or as read before where that is the nearer today (mm/dd/yy, not dd/mm/yy).
        ("05/03/24", utc(2024, 5, 2, 16)),
        ("10/11/26 09:00", utc(2026, 10, 11, 1)),
        ("07.12.26 14:30", utc(2026, 12, 7, 6, 30)),  # (dots: a European's, day first)
        ("7.12.26 14:30", utc(2026, 12, 7, 6, 30)),
        ("05.11.2026", utc(2026, 11, 4, 16)),
        ("07.12.2026, 14:30", utc(2026, 12, 7, 6, 30)),
        ("11/12/13", utc(2013, 11, 11, 16)),
        # A time alone: today's where the feed is, or yesterday's if still to come.
        ("00:10", utc(2026, 12, 7, 16, 10)),
        ("05:30", utc(2026, 12, 7, 21, 30)),
        ("14:30", utc(2026, 12, 7, 6, 30)),
        # … with its zone, or AM/PM: the latest such time too, where its zone is.
        ("14:30 (UTC+8)", utc(2026, 12, 7, 6, 30)),
        ("14:30 GMT+8", utc(2026, 12, 7, 6, 30)),
        ("14:30:00.500 +08:00", utc(2026, 12, 7, 6, 30, 0, 500000)),
        ("2:30 PM", utc(2026, 12, 7, 6, 30)),
        ("北京时间 14:30", utc(2026, 12, 7, 6, 30)),
        ("23:59:59 UTC", utc(2026, 12, 6, 23, 59, 59)),
        ("21:00 UTC", utc(2026, 12, 7, 21, 0)),
        # … a weekday's: the latest (a Tuesday in Beijing: not the coming one).
        ("TUE 23:00", utc(2026, 12, 1, 15, 0)),
        ("wed 01:00", utc(2026, 12, 1, 17, 0)),
        ("Tuesday 05:00", utc(2026, 12, 7, 21, 0)),
        ("Tue 11pm", utc(2026, 12, 1, 15, 0)),
        ("周二 23:00", utc(2026, 12, 1, 15, 0)),
        ("星期二 05:00", utc(2026, 12, 7, 21, 0)),
        ("礼拜一 下午3:30", utc(2026, 12, 7, 7, 30)),
        ("周日 10:00", utc(2026, 12, 6, 2, 0)),
        ("星期天", utc(2026, 12, 5, 16, 0)),
        ("昨天 08:00", utc(2026, 12, 7, 0, 0)),
        ("今天 上午5:00", utc(2026, 12, 7, 21, 0)),
        ("前天", utc(2026, 12, 5, 16, 0)),
        ("5分钟前", utc(2026, 12, 7, 21, 31)),
        ("3小时前", utc(2026, 12, 7, 18, 36)),
        ("刚刚", utc(2026, 12, 7, 21, 36)),
        # An offset said in brackets, or right after the seconds, is the date's.
        ("2024-03-05 14:30 (UTC+8)", utc(2024, 3, 5, 6, 30)),
        ("2024-03-05 14:30（GMT+08:00）", utc(2024, 3, 5, 6, 30)),
        ("2024-03-05T14:30:00GMT+8", utc(2024, 3, 5, 6, 30)),
        ("2024-03-05 14:30:00UTC+0800", utc(2024, 3, 5, 6, 30)),
        ("Tue Mar 05 2024 14:30:00 GMT+0800 (China Standard Time)", utc(2024, 3, 5, 6, 30)),
        # What a date leaves out is of the feed's today, not the machine's.
        ("Mar 5 14:30", utc(2026, 3, 5, 6, 30)),
    ],
)
@pytest.mark.parametrize("machine", ["UTC", "Asia/Shanghai", "America/Los_Angeles"])
def test_dates_written_in_part_are_read_where_the_feed_is(
    text: str, expected: datetime, machine: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whatever the machine's zone: a two-digit year came out 20 years back,
    a time alone on the machine's day (a day early, or hours ahead), an
    offset in brackets was dropped as a comment, one after the seconds read
    with POSIX's sign (16 hours off), 昨天 08:00 and 周二 14:30 were no date."""
    import time

    from feedmill.normalize import dates

    monkeypatch.setenv("TZ", machine)
    time.tzset()
    monkeypatch.setattr(dates, "datetime", _Clock)
    try:
        assert parse_date(text, SHANGHAI) == expected
    finally:
        monkeypatch.undo()
        time.tzset()


@pytest.mark.parametrize("text", ["FRI 14:30", "mon 14:30", "Wednesday 2:30 PM"])
def test_a_weekday_and_a_time_in_any_case_is_read(
    text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Named days ahead in capitals, "FRI 14:30" was taken for a time alone,
    no day of the last two its own: StopIteration, the item left out."""
    from feedmill.normalize import dates

    monkeypatch.setattr(dates, "datetime", _Clock)
    assert parse_date(text, SHANGHAI) is not None


@pytest.mark.parametrize(
    "text", [None, "", "   ", "昨天下午", "not a date", "2022-13-45", "2022092100", "12345678901"]
)
def test_unreadable_dates_are_none(text: str | None) -> None:
    assert parse_date(text, SHANGHAI) is None


def test_cst_is_us_central_time_for_a_feed_outside_china() -> None:
    chicago = ZoneInfo("America/Chicago")
    assert parse_date("Tue, 20 Sep 2022 10:01:00 CST", chicago) == utc(2022, 9, 20, 16, 1)
    # An unknown zone name leaves the time in the feed's zone, without a warning.
    assert parse_date("Tue Sep 20 10:01:00 XYZ 2022", chicago) == utc(2022, 9, 20, 15, 1)


def test_an_offset_wins_over_the_zone_name_after_it_whatever_the_feeds_zone() -> None:
    """ "+0800 CST" is China's time, also in a feed whose zone is not China's
    (where a CST alone is US Central time)."""
    for zone in (ZoneInfo("UTC"), ZoneInfo("America/Chicago"), SHANGHAI):
        assert parse_date("2022-09-21 00:01:00 +0800 CST", zone) == utc(2022, 9, 20, 16, 1)
        assert parse_date("2022-09-21 00:01 北京时间", zone) == utc(2022, 9, 20, 16, 1)


def test_zoneless_dates_follow_the_configured_zone() -> None:
    assert parse_date("2022-09-21 00:01:00", ZoneInfo("UTC")) == utc(2022, 9, 21, 0, 1)
    assert parse_date("2022-09-21 00:01:00", ZoneInfo("America/New_York")) == utc(2022, 9, 21, 4, 1)


@pytest.mark.parametrize(
    ("raw", "title"),
    [
        ("  证监会 &amp; 交易所：\n  加强监管 ", "证监会 & 交易所： 加强监管"),
        ("第 226 期：<em>够用就好</em>", "第 226 期：够用就好"),
        ("a\x00b\x1fc\x7fd", "abcd"),
        ("line\u2028separator", "line separator"),
        ("It's 5 < 6", "It's 5 < 6"),
        # Generic types in tech titles are text, not tags.
        ("Java 中 List<String> 与 Map<K, V> 的用法", "Java 中 List<String> 与 Map<K, V> 的用法"),
        ("TypeScript 泛型 Array<T> 详解", "TypeScript 泛型 Array<T> 详解"),
        ("Function<A, B> 与 List<Map>", "Function<A, B> 与 List<Map>"),
        ("<FONT color=red>要闻</FONT>：<!-- x -->降准<br/>", "要闻：降准"),
        ("<B>快讯</B>：央行宣布降准，<I>Nature</I> 刊文", "快讯：央行宣布降准，Nature 刊文"),
        # Elements named in tech titles are text; markup is closed or empty.
        ("Vue 3 中 <script setup> 的用法", "Vue 3 中 <script setup> 的用法"),
        ("HTML <dialog> 元素与 <template> 标签", "HTML <dialog> 元素与 <template> 标签"),
        ("HTML <img> 标签的 loading 属性", "HTML <img> 标签的 loading 属性"),
        ("<span> 和 <div> 的区别", "<span> 和 <div> 的区别"),
        # … whatever the element, when it stands apart like a word.
        ("HTML 中 <b> 和 <strong> 的区别", "HTML 中 <b> 和 <strong> 的区别"),
        ("为什么不要用 <br> 换行", "为什么不要用 <br> 换行"),
        ("<small> 标签用法", "<small> 标签用法"),
        ("HTML 的 <br> 和 <p> 标签区别", "HTML 的 <br> 和 <p> 标签区别"),
        # … Chinese beside it sets it apart too: Chinese has no spaces.
        ("HTML中<b>和<strong>的区别", "HTML中<b>和<strong>的区别"),
        ("面试官：<b>和<strong>标签有什么不同？", "面试官：<b>和<strong>标签有什么不同？"),
        ("用<span>还是<p>换行？", "用<span>还是<p>换行？"),
        # … and its empty form, beside the element named, or one that shows nothing.
        ("HTML 中 <br> 和 <br/> 的区别", "HTML 中 <br> 和 <br/> 的区别"),
        ("为什么 <img/> 标签不需要闭合？", "为什么 <img/> 标签不需要闭合？"),
        ("为什么<img/>标签不需要闭合？", "为什么<img/>标签不需要闭合？"),
        # Attributes as browsers read them: "=" in an unquoted URL, ">" in a
        # quoted value, a name right after a quote, a space before "/>".
        ("<a href=/search?q=1>链接</a> 新闻", "链接 新闻"),
        ("<a href=https://x.cn/a?id=5&t=2 target=_blank>快讯</a>", "快讯"),
        ('<font color="red"size="3">快讯</font>', "快讯"),
        ('<span title="a>b">快讯</span>', "快讯"),
        ('<span class="a" / >x</span>', "x"),
        # What follows a tag's name is attributes, or it is no tag.
        ("满足 a<b 且 b>c 的三元组计数", "满足 a<b 且 b>c 的三元组计数"),
        ("若 x<i 且 i>0 则成立", "若 x<i 且 i>0 则成立"),
        # A generic's type parameter is one capital letter, not <u> or <s>.
        ("C# 中 IEnumerable<T> 与 IList<U>", "C# 中 IEnumerable<T> 与 IList<U>"),
        ("Rust 中 From<S> 的实现", "Rust 中 From<S> 的实现"),
        ("<B> 类型参数", "<B> 类型参数"),
        # Against the words, or empty, or closed, it is markup.
        ("央行降准<br>释放流动性", "央行降准释放流动性"),
        # A line break or a block's edge parts words (not Chinese characters).
        ("Markets rally<br>Dow gains 2%", "Markets rally Dow gains 2%"),
        ("<p>Fed holds rates</p><p>Powell speaks</p>", "Fed holds rates Powell speaks"),
        ("<p>央行降准</p><p>释放流动性</p>", "央行降准释放流动性"),
        ("央行降准<br>Fed 加息", "央行降准 Fed 加息"),
        ("央行：“降准”<br>释放流动性", "央行：“降准”释放流动性"),
        ("降准&#12290;<br>释放", "降准。释放"),
        ("한국은행<br>기준금리 동결", "한국은행 기준금리 동결"),
        ("“Hello”<br>“World”", "“Hello” “World”"),
        ("统计局公布“GDP”<br>“CPI”数据", "统计局公布“GDP”“CPI”数据"),
        ("降准……<br>——释放", "降准……——释放"),
        ("央行降准 <br/> 释放流动性", "央行降准 释放流动性"),
        ("<b>快讯</b> 谈 <i> 标签", "快讯 谈 标签"),
        # … but not in a title with markup, nor in an old CMS's capitals.
        ("<b>快讯</b> <span>今日", "快讯 今日"),
        ("<SPAN>旧CMS", "旧CMS"),
        ("<span>图</span>解<img src='x.png'>行情<hr/>", "图解行情"),
        # Left open, markup still: an attribute, text formatting; any case.
        ("<font color='red'>【快讯】央行降准", "【快讯】央行降准"),
        ('<span style="color:#f00">直播中：发布会', "直播中：发布会"),
        ("<b>快讯：A股收涨", "快讯：A股收涨"),
        ("<font color=red>快讯</FONT>", "快讯"),
        # A script or style element's code is no part of it, as in a body
        # (it titled and named the post); one named, never closed or with
        # words between its tags, is text.
        ("<script>document.write('x')</script>央行宣布降准", "央行宣布降准"),
        ('<SCRIPT type="text/javascript">var a = "<b>";</SCRIPT> 快讯', "快讯"),
        ("<style>.x{color:red}</style>证监会发布新规", "证监会发布新规"),
        ("<style> 标签与 <script> 标签", "<style> 标签与 <script> 标签"),
        ("理解 <script> 和 </script> 标签", "理解 和 标签"),
        ("How <script> works</script>", "How works"),
        ("", ""),
    ],
)
def test_titles_are_one_line_of_plain_text(raw: str, title: str) -> None:
    assert clean_title(raw) == title


def test_a_title_of_many_code_tags_is_read_in_one_pass() -> None:
    # (Each opening tag after the last closing one looked to the title's end;
    # each before one without code, or before a "</scripts>", did too.)
    assert clean_title("</script>" + "<script>x" * 100_000) == "x" * 100_000
    assert clean_title("<style>" * 100_000 + "</style>") == ""
    assert clean_title("<script>x" * 100_000 + "</script>") == "x" * 100_000
    assert clean_title("<script>" * 100_000 + "</scripts>") == "<script>" * 100_000 + "</scripts>"


def test_a_title_of_many_empty_tags_is_read_in_one_pass() -> None:
    # Each "<br/>" looked for its bare "<br>" through the whole title: 960 KB, 140 s.
    assert clean_title("<br> " + "<br/> " * 200_000).startswith("<br> <br/> <br/>")


def test_a_field_wrapped_in_cdata_twice_or_escaped_is_read_inside() -> None:
    """A template's CDATA around a field with its own, or its marks escaped:
    the title read "＜![CDATA[双层标题]]＞", the text ended with "]]>" — and an
    item keyed by its text keeps the key it had."""
    from feedmill.parse import parse_document

    xml = (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>t</title>'
        "<link>https://e.com/</link>"
        "<item><title><![CDATA[<![CDATA[双层标题]]>]]></title><link>https://e.com/1</link>"
        "<description><![CDATA[<![CDATA[<p>正文一段。</p><p>第二段。</p>]]>]]></description></item>"
        "<item><title>&lt;![CDATA[转义]]&gt;</title><link>https://e.com/2</link>"
        "<description>&lt;![CDATA[纯文本正文]]&gt;</description></item>"
        "<item><title><![CDATA[<![CDATA[无链接]]>]]></title>"
        "<description><![CDATA[<![CDATA[<p>没有链接的正文。</p>]]>]]></description></item>"
        "</channel></rss>"
    ).encode()
    parsed = parse_document(xml)
    entries = normalize_document(parsed, feed_url="https://e.com/f.xml", zone=SHANGHAI).entries
    assert [(e.title, e.content) for e in entries] == [
        ("双层标题", "<p>正文一段。</p><p>第二段。</p>"),
        ("转义", "<p>纯文本正文</p>"),
        ("无链接", "<p>没有链接的正文。</p>"),
    ]
    wrapped = parsed.entries[2]
    as_before = entry_key(wrapped, clean_title(wrapped.title or ""), wrapped.content or "")
    assert entries[2].key == as_before


def test_plain_text_bodies_become_escaped_paragraphs() -> None:
    text = "BTC < 2% & ETH\n1. 第一条\n* 星号\n\n# 不是标题\n--"
    assert plain_to_html(text) == (
        "<p>BTC &lt; 2% &amp; ETH<br>1. 第一条<br>* 星号</p><p># 不是标题<br>--</p>"
    )


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        # A Chinese paragraph's indent of full-width spaces is the writer's (a
        # browser shows it); other space around a line is not.
        ("　　第一段。\n　　第二段。", "<p>　　第一段。<br>　　第二段。</p>"),
        ("\n\n　　第一段。\n \n　　第二段。  \n", "<p>　　第一段。</p><p>　　第二段。</p>"),
        ("  第一段。\n\t第二段。", "<p>第一段。<br>第二段。</p>"),
        ("　\n\n　　", ""),
    ],
)
def test_plain_text_keeps_full_width_indents(text: str, shown: str) -> None:
    assert plain_to_html(text) == shown


def test_html_bodies_without_tags_keep_their_entities_as_characters() -> None:
    # Chinese CMSs write quotes and spaces as entities in tag-less descriptions.
    item = RawEntry(guid="g", summary="他说&ldquo;你好&rdquo;&nbsp;AT&amp;T <3")
    body = normalize_entry(item, base_url=None, zone=SHANGHAI).content
    assert body == "<p>他说“你好”\xa0AT&amp;T &lt;3</p>"
    # Plain text (Atom type="text", JSON content_text) is text: shown as written.
    plain = RawEntry(guid="p", content="&ldquo; is an entity", content_is_html=False)
    assert normalize_entry(plain, base_url=None, zone=SHANGHAI).content == (
        "<p>&amp;ldquo; is an entity</p>"
    )


@pytest.mark.parametrize(
    ("markup", "text"),
    [
        ("<p>a</p><script>var x = '<p>';</script><p>b</p>", "a b"),
        ("<STYLE type='text/css'>p {}</STYLE>a<template><p>t</p></template> b", "a b"),
        ("a <noscript>n</noscript>&amp; b", "a & b"),
        # Offsets stay right after characters whose lower case is longer.
        ("İstanbul İzmir<script>x</script> görünür", "İstanbul İzmir görünür"),
        ("<SCRIPT>x</Script >a", "a"),
        # An unclosed script hides the rest, as in a browser.
        ("<p>a</p><script>x = 1; <p>b</p>", "a"),
        # Linear: every unclosed <script> used to rescan the rest of the text.
        ("<p>x</p><script>" * 20_000, "x"),
    ],
)
def test_visible_text_drops_scripts_styles_and_templates(markup: str, text: str) -> None:
    assert visible_text(markup) == text


@pytest.mark.parametrize(
    ("written", "kept"),
    [
        ("0001-01-01T00:00:00Z", False),  # Go's zero time
        # ... in RFC 822, as Hugo writes it: parsedate_tz read a year below 100 as 20xx.
        ("Mon, 01 Jan 0001 00:00:00 +0000", False),
        ("Mon, 01 Jan 0001 08:00:00 +0800", False),
        ("Sat, 01 Jan 0050 00:00:00 GMT", False),
        ("Mon, 01 Jan 0000 00:00:00 +0000", False),
        ("Monday, 01 January 0001 00:00:00 +0000", False),  # read by dateutil: 2001 too
        ("Wed, 30 Nov -0001 00:00:00 +0000", False),  # PHP's date('r') of 0000-00-00
        ("Friday, March 1st, 0001", False),
        ("Friday, March 1st, 2024", True),
        ("Fri, 26 Dec 25 10:00:00 +0800", True),  # a two-digit year is this century's
        ("1970-01-01T00:00:00Z", False),  # the Unix epoch
        ("2999-09-20T10:00:00Z", False),  # a typo
        ("2026-01-03T11:00:00Z", False),  # more than a day ahead
        ("2026-01-02T11:00:00Z", True),  # a zone mix-up of a few hours
        ("1999-03-15T08:00:00Z", True),
    ],
)
def test_implausible_dates_leave_an_item_undated(written: str, kept: bool) -> None:
    now = utc(2026, 1, 1, 12, 0)
    item = RawEntry(guid="g", published=written, updated=written)
    normalized = normalize_entry(item, base_url=None, zone=SHANGHAI, now=now)
    assert (normalized.date is not None) is kept


def entry(**fields: object) -> RawEntry:
    return RawEntry(**fields)  # type: ignore[arg-type]


def test_key_is_guid_else_link_as_written_else_content_hash() -> None:
    base = "https://example.com/news/"
    with_guid = normalize_entry(entry(guid=" g-1 ", link="/a"), base_url=base, zone=SHANGHAI)
    with_link = normalize_entry(entry(link="/a", title="t"), base_url=base, zone=SHANGHAI)
    bare = normalize_entry(entry(title="t", content="<p>c</p>"), base_url=base, zone=SHANGHAI)
    same = normalize_entry(entry(title="t", content="<p>c</p>"), base_url=base, zone=SHANGHAI)
    other = normalize_entry(entry(title="t", content="<p>d</p>"), base_url=base, zone=SHANGHAI)
    assert with_guid.key == "g-1"
    assert with_link.key == "/a" and with_link.link == "https://example.com/a"
    assert bare.key.startswith("sha256:") and bare.key == same.key != other.key


def test_keys_and_links_carry_no_control_characters() -> None:
    # PostgreSQL refuses NUL in text: the whole feed failed on one such item.
    item = entry(guid="g\x00-1", link="https://example.com/a\x00b")
    normalized = normalize_entry(item, base_url=None, zone=SHANGHAI)
    assert normalized.key == "g-1" and normalized.link == "https://example.com/ab"
    no_guid = normalize_entry(entry(link="/a\x00"), base_url="https://e.com/", zone=SHANGHAI)
    assert no_guid.key == "/a" and no_guid.link == "https://e.com/a"


@pytest.mark.parametrize(
    ("written", "link"),
    [
        ("https://e.com/a.html?utm_source=rss&utm_medium=feed", "https://e.com/a.html"),
        ("https://e.com/a?id=1&utm_source=x&b=2", "https://e.com/a?id=1&b=2"),
        ("https://e.com/a?spm=a2c4g.1&id=7#p2", "https://e.com/a?id=7#p2"),
        # Parameters separated by ";": the article's id is no tracking parameter.
        (
            "https://e.com/show.jsp?utm_source=rss;articleId=981",
            "https://e.com/show.jsp?articleId=981",
        ),
        ("https://e.com/#/n/1?utm_source=x&id=2", "https://e.com/#/n/1?id=2"),
        ("https://e.com/a?spmid=3&xspm=4", "https://e.com/a?spmid=3&xspm=4"),  # other names
        ("?utm_source=rss", None),  # nothing left of a relative link: none
    ],
)
def test_links_lose_their_tracking_parameters(written: str, link: str | None) -> None:
    """They name who sent the reader, not the page: a route writing a new
    value on every fetch would change every item's link each time."""
    entry_ = normalize_entry(entry(guid="g", link=written), base_url=None, zone=SHANGHAI)
    assert entry_.link == link
    assert entry_.tracked_link == (None if written == link else written)
    assert entry_.key == "g"


def test_a_link_escaped_twice_gets_its_ampersands_back() -> None:
    """`<link>…?a=1&amp;amp;b=2</link>`: read once, the link asked the page
    for a parameter named ``amp;b``."""
    for written, link in (
        ("https://e.com/a?id=1&amp;page=2", "https://e.com/a?id=1&page=2"),
        ("https://e.com/a?id=1&amp;utm_source=x", "https://e.com/a?id=1"),
        ("https://e.com/a&amp;b?x=1", "https://e.com/a&amp;b?x=1"),  # the path is the page's
        ("https://e.com/a?q=R%26D&x=1", "https://e.com/a?q=R%26D&x=1"),
    ):
        assert normalize_entry(
            entry(guid="g", link=written), base_url=None, zone=SHANGHAI
        ).link == (link), written


def test_enclosures_get_a_player_only_for_what_a_player_can_play() -> None:
    """An episode from the web gets a player; one at javascript: or data: would
    lose its src to the sanitizer and leave an empty player in the post."""
    media = (
        ("javascript:alert(1)", "video"),
        ("data:audio/mpeg;base64,AAAA", "audio"),
        ("/ep1.mp3", "audio"),
    )
    item = entry(guid="p", content="<p>本期节目</p>", media=media)
    content = normalize_entry(item, base_url="https://pod.example/", zone=SHANGHAI).content
    assert content == (
        '<p>本期节目</p><p><audio controls preload="none" src="https://pod.example/ep1.mp3">'
        "</audio></p>"
    )


@pytest.mark.parametrize(
    ("content", "played"),
    [
        ('<p><audio src="https://pod.example/ep2.mp3"></audio></p>', False),
        ("<p><a href='https://pod.example/ep2.mp3'>下载</a></p>", False),
        ("<p><audio src=https://pod.example/ep2.mp3 controls></audio></p>", False),
        ('<p><a href="https://pod.example/ep2.mp3.html">本期页面</a></p>', True),
        ('<p><a href="https://pod.example/ep2.mp3?dl=1">下载</a></p>', True),
        ("<p>节目地址 https://pod.example/ep2.mp3 （复制收听）</p>", True),
    ],
)
def test_a_player_unless_the_text_holds_the_episode_itself(content: str, played: bool) -> None:
    """A link to a longer URL beginning with the episode's (its page, a
    download link) was taken for the episode: the post had no player."""
    item = entry(guid="p", content=content, media=(("https://pod.example/ep2.mp3", "audio"),))
    normalized = normalize_entry(item, base_url=None, zone=SHANGHAI).content
    assert ("<audio controls preload" in normalized) is played


@pytest.mark.parametrize(
    "content",
    [
        '<video controls src="//f.video.example/o0/abc.mp4"></video>',
        "<video controls><source src='/o0/abc.mp4' type='video/mp4'></video>",
        '<p><video controls src="o0/abc%2Emp4"></video></p>',
        '<video class="video-js hidden-xs" controls src="/o0/abc.mp4"></video>',
        '<VIDEO CONTROLS SRC="/o0/abc.mp4"></VIDEO>',
    ],
)
def test_a_player_unless_the_text_plays_the_file_under_an_address_of_its_own(
    content: str,
) -> None:  # (a class naming "hidden-xs" hides nothing)
    """Protocol-relative, relative, escaped: read as written, the text's
    player was no player of the enclosure, and the post showed two."""
    media = (("https://f.video.example/o0/abc.mp4", "video"),)
    item = entry(guid="p", content=content, media=media)
    normalized = normalize_entry(item, base_url="https://f.video.example/", zone=SHANGHAI).content
    assert "preload" not in normalized
    if content.startswith('<video controls src="//'):  # (a local feed file: no base)
        assert "preload" not in normalize_entry(item, base_url=None, zone=SHANGHAI).content


@pytest.mark.parametrize(
    "content",
    [
        '<embed src="/o0/abc.mp4">',
        '<iframe src="//f.video.example/o0/abc.mp4"></iframe>',
        '<video hidden src="/o0/abc.mp4"></video>',
        '<video style="display: none" src="/o0/abc.mp4"></video>',
        '<audio style="display:none"><source src="/o0/abc.mp4"></audio>',
        '<div hidden><video src="/o0/abc.mp4"></video></div>',
        '<!-- <video src="/o0/abc.mp4"> -->',
        "<script>document.write('<video src=\"/o0/abc.mp4\">')</script>",
    ],
)
def test_what_the_sanitizer_drops_or_hides_is_no_player_of_the_enclosure(content: str) -> None:
    media = (("https://f.video.example/o0/abc.mp4", "video"),)
    item = entry(guid="p", content=f"<p>节目介绍</p>{content}", media=media)
    normalized = normalize_entry(item, base_url="https://f.video.example/", zone=SHANGHAI).content
    assert 'preload="none" src="https://f.video.example/o0/abc.mp4"' in normalized


@pytest.mark.parametrize(
    ("content", "media", "shown"),
    [
        # A picture item (an image enclosure, media:content, a JSON Feed
        # image) shows its picture above the text.
        (
            "<p>快讯</p>",
            (),
            '<p><img src="https://img.example.cn/1.jpg?a=1&amp;b=2"></p><p>快讯</p>',
        ),
        ("", (), '<p><img src="https://img.example.cn/1.jpg?a=1&amp;b=2"></p>'),
        # … unless the text shows one, whichever.
        ('<p><IMG SRC="https://img.example.cn/other.jpg">快讯</p>', (), None),
        ("<p><img src='https://img.example.cn/o.jpg' width=640>快讯</p>", (), None),
        (
            '<p><img src="https://img.example.cn/lazy.gif" data-src="https://img.example.cn/o.jpg">快讯</p>',
            (),
            None,
        ),
        (
            '<figure><img srcset="https://img.example.cn/1.jpg 1x, https://img.example.cn/1@2x.jpg 2x">'
            "</figure>",
            (),
            None,
        ),
        ('<p><img src="https://img.example.cn/2.jpg" width="45%">快讯</p>', (), None),
        # An image that shows no picture of the article is none: a tracking
        # pixel, a share icon, an emoticon, a hidden one, a data: URI.
        *(
            (text, (), f'<p><img src="https://img.example.cn/1.jpg?a=1&amp;b=2"></p>{text}')
            for text in (
                '<p>快讯</p><img src="https://pixel.wp.com/b.gif?v=1" width="1" height="1">',
                "<p>快讯<img src=https://e.example/share.png width=16 height=16></p>",
                '<p>快讯<img alt="[哈哈]" src="https://face.example.cn/haha.png" style="width:1em;height:1em"></p>',
                '<p>快讯</p><img src="https://img.example.cn/a.jpg" style="display: none">',
                '<p>快讯</p><img src="https://img.example.cn/a.jpg" hidden>',
                '<p>快讯</p><img src="data:image/png;base64,iVBORw0KGgo=">',
                '<p>快讯</p><img src="https://img.example.cn/images/blank.gif">',
                '<p>快讯</p><img srcset="data:image/gif;base64,R0lGODlhAQABAAAAACw= 1x">',
                '<p>快讯</p><img src="https://img.example.cn/blank.gif" srcset="https://img.example.cn/placeholder.png 1x">',
                '<p>快讯</p><img srcset="  ,  ">',
            )
        ),
        ('<picture><source srcset="https://img.example.cn/x.webp"></source></picture>', (), None),
        # A video's picture is its poster; an episode's stands above.
        (
            "<p>第六期</p>",
            (("https://cdn.example.cn/6.mp4", "video"),),
            '<p>第六期</p><p><video controls preload="none"'
            ' poster="https://img.example.cn/1.jpg?a=1&amp;b=2"'
            ' src="https://cdn.example.cn/6.mp4"></video></p>',
        ),
        (
            "<p>本期节目</p>",
            (("https://pod.example/ep1.mp3", "audio"),),
            '<p><img src="https://img.example.cn/1.jpg?a=1&amp;b=2"></p><p>本期节目</p>'
            '<p><audio controls preload="none" src="https://pod.example/ep1.mp3"></audio></p>',
        ),
    ],
)
def test_an_item_s_own_picture_is_shown_in_its_post(
    content: str, media: tuple[tuple[str, str], ...], shown: str | None
) -> None:
    item = entry(guid="p", content=content, media=media, image="/1.jpg?a=1&b=2")
    normalized = normalize_entry(item, base_url="https://img.example.cn/", zone=SHANGHAI)
    assert normalized.content == (content if shown is None else shown)
    assert normalized.image == "https://img.example.cn/1.jpg?a=1&b=2"


@pytest.mark.parametrize(
    "image", ["https://[x/1.jpg", "https://a b.example/1.jpg", "https://x)(y[::1]/a.jpg"]
)
def test_an_item_s_own_picture_that_no_browser_loads_is_not_shown(image: str) -> None:
    """The sanitizer drops such an address: the post led with an empty picture."""
    item = entry(guid="p", content="<p>快讯</p>", image=image)
    normalized = normalize_entry(item, base_url="https://img.example.cn/", zone=SHANGHAI)
    assert normalized.content == "<p>快讯</p>"


def test_full_content_is_preferred_over_summary() -> None:
    item = entry(guid="x", content="<p>full</p>", summary="<p>short</p>")
    assert normalize_entry(item, base_url=None, zone=SHANGHAI).content == "<p>full</p>"
    only_summary = entry(guid="y", summary="<p>short</p>")
    assert normalize_entry(only_summary, base_url=None, zone=SHANGHAI).content == "<p>short</p>"


@pytest.mark.parametrize(
    "empty",
    [
        "<p></p>",
        "<p>&nbsp;</p>",
        " &nbsp; ",
        "<div></div>",
        "<br />",
        "<p><br></p>",
        "<!-- wp:paragraph --><!-- /wp:paragraph -->",
        '<p style="display:none">广告</p>',
        # Only a feed service's beacon, an image without a source, a hidden one:
        # the post was a blank page, the description's text nowhere (not in search).
        '<img src="http://feeds.feedburner.com/~r/Example/~4/abc123" height="1" width="1" alt=""/>',
        "<p><img src=''></p>",
        '<p><img src="https://img.example.com/a.jpg" style="display:none"></p>',
        '<div hidden><img src="https://img.example.com/a.jpg"></div>',
        '<!-- <img src="https://img.example.com/a.jpg"> -->',
        # … or a loading spinner, a share icon, an emoticon, a spacer: no picture.
        '<img src="https://example.com/static/loading.gif">',
        '<a href="https://share.example/"><img src="https://e.example/s.png" width="16"></a>',
        '<img alt="[doge]" src="https://face.t.sinajs.cn/t4/doge.png" style="width:1em">',
        '<img src="data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7">',
    ],
)
def test_a_content_that_shows_nothing_gives_way_to_the_description(empty: str) -> None:
    """An empty content:encoded beside the description that holds the text: the
    post showed only a link to the article."""
    item = entry(guid="x", content=empty, summary="<p>这是描述中的完整文字。</p>")
    assert normalize_entry(item, base_url=None, zone=SHANGHAI).content == (
        "<p>这是描述中的完整文字。</p>"
    )


@pytest.mark.parametrize(
    "shown",
    [
        "<p><img src=https://img.example.com/a.jpg></p>",
        '<p><img data-src="https://img.example.com/a.jpg" src="data:image/gif;base64,R0lG"></p>',
        '<picture><source srcset="https://img.example.com/a.webp"></picture>',
        '<p><video src="https://v.example.com/a.mp4"></video></p>',
    ],
)
def test_a_content_of_a_picture_alone_stays_with_the_descriptions_text(shown: str) -> None:
    """The picture is kept (not given way to the description, as a tracking
    pixel is), and the text after it: the post was the picture alone."""
    item = entry(guid="x", content=shown, summary="<p>图说：这是描述。</p>")
    assert normalize_entry(item, base_url=None, zone=SHANGHAI).content == (
        shown + "<p>图说：这是描述。</p>"
    )


def test_a_content_with_a_control_character_after_a_hidden_element_is_read() -> None:
    """What shows is asked of the feed's text before its control characters
    go: the reading of hidden elements refused one, and the feed failed."""
    hidden = "<p><span style='display:none'>x</span>\x08正文</p>"
    item = entry(guid="x", content=hidden, summary="<p>描述</p>")
    assert "正文" in normalize_entry(item, base_url=None, zone=SHANGHAI).content


def test_a_document_the_text_links_already_gets_no_second_link() -> None:
    """Linked as written (percent-encoded, relative) or as the enclosure names it."""
    media = (("https://ex.com/f/年报.pdf", "file"), ("https://ex.com/f/a.pdf", "file"))
    for text, left in (
        ('<p><a href="https://ex.com/f/%E5%B9%B4%E6%8A%A5.pdf">全文</a></p>', "a.pdf"),
        ("<p><a href=/f/a.pdf>全文</a></p>", "年报.pdf"),
        ("<p><a href='/f/a.pdf#page=2'>第二页</a></p>", "年报.pdf"),
    ):
        item = entry(guid="x", link="https://ex.com/n/1", summary=text, media=media)
        content = normalize_entry(item, base_url=None, zone=SHANGHAI).content
        assert content.count("📎") == 1 and f">{left}</a>" in content, content
    # A fragment on either side names the same document.
    item = entry(
        guid="x",
        link="https://ex.com/n/1",
        summary="<p><a href='/f/a.pdf'>全文</a></p>",
        media=(("https://ex.com/f/a.pdf#page=2", "file"),),
    )
    assert "📎" not in normalize_entry(item, base_url=None, zone=SHANGHAI).content


def test_an_item_lists_at_most_twenty_enclosures() -> None:
    """One item of a hostile feed listed 20,000 (its parse took 36 s)."""
    from feedmill.parse import parse_document

    links = "".join(
        f'<enclosure url="https://a.example/{i}.pdf" type="application/pdf" length="1"/>'
        f'<atom:link rel="enclosure" href="https://a.example/l{i}.pdf" type="application/pdf"/>'
        for i in range(5000)
    )
    document = (
        '<?xml version="1.0"?><rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">'
        "<channel><title>t</title><link>https://a.example/</link><item><title>x</title>"
        f"<guid>g</guid><description>d</description>{links}</item></channel></rss>"
    )
    (item,) = parse_document(document.encode()).entries
    assert len(item.media) == 20
    # Twenty of each: the players after 21 documents are kept; one URL is one enclosure.
    more = "".join(
        f'<enclosure url="https://a.example/{i}.pdf" type="application/pdf" length="1"/>'
        for i in range(21)
    ) + (
        '<enclosure url="https://a.example/e.mp3" type="audio/mpeg" length="1"/>'
        '<atom:link rel="enclosure" href="https://a.example/e.mp3" type="video/mp4"/>'
    )
    for robust in (False, True):
        text = document.replace(links, more)
        if robust:  # (a date without a zone sends it to the robust path)
            text = text.replace("<title>x</title>", "<title>x</title><pubDate>2024-03-05</pubDate>")
        parsed = parse_document(text.encode())
        assert parsed.parser == ("robust" if robust else "fast")
        (item,) = parsed.entries
        kinds = [kind for _, kind in item.media]
        assert kinds.count("file") == 20 and kinds.count("audio") == 1 and "video" not in kinds


@pytest.mark.parametrize(
    ("content", "summary", "post"),
    [
        # Text: the article, over the description.
        ("<p>短</p>", "<p>描述</p>", "<p>短</p>"),
        # A picture without text beside a description's text (a cover in
        # content:encoded): the post was the picture alone, the text lost.
        (
            '<p><img src="https://img.example.cn/chart.png"></p>',
            "<p>这是完整的新闻正文。</p><p>第二段。</p>",
            '<p><img src="https://img.example.cn/chart.png"></p>'
            "<p>这是完整的新闻正文。</p><p>第二段。</p>",
        ),
        (
            '<video src="https://v.example.cn/a.mp4"></video>',
            "视频说明",
            '<video src="https://v.example.cn/a.mp4"></video><p>视频说明</p>',
        ),
        # … once: a description showing the picture itself is the post.
        (
            '<img src="https://img.example.cn/a.png">',
            '<p><img src="https://img.example.cn/a.png">正文</p>',
            '<p><img src="https://img.example.cn/a.png">正文</p>',
        ),
        # … but not one in a <noscript>, which the sanitizer drops.
        (
            '<img src="https://img.example.cn/a.png">',
            '<p>正文六</p><noscript><img src="https://img.example.cn/a.png"></noscript>',
            '<img src="https://img.example.cn/a.png"><p>正文六</p>'
            '<noscript><img src="https://img.example.cn/a.png"></noscript>',
        ),
        # … where it is a lazy picture's fallback, it is that picture.
        (
            '<img src="https://img.example.cn/a.png">',
            '<p>正文</p><p><img src="data:image/gif;base64,R0lGOD" class="lazyload">'
            '<noscript><img src="https://img.example.cn/a.png"></noscript></p>',
            '<p>正文</p><p><img src="data:image/gif;base64,R0lGOD" class="lazyload">'
            '<noscript><img src="https://img.example.cn/a.png"></noscript></p>',
        ),
        # … but not after a picture of its own (a counter, an icon): the
        # prepass leaves that one as it is, and the sanitizer drops the rest.
        (
            '<img src="https://img.example.cn/a.png">',
            '<p>正文</p><p><img src="https://stat.example.cn/c.gif?id=7" width="1" height="1">'
            '<noscript><img src="https://img.example.cn/b.png"></noscript></p>',
            '<img src="https://img.example.cn/a.png"><p>正文</p><p>'
            '<img src="https://stat.example.cn/c.gif?id=7" width="1" height="1">'
            '<noscript><img src="https://img.example.cn/b.png"></noscript></p>',
        ),
        # A description without text adds nothing.
        (
            '<img src="https://img.example.cn/a.png">',
            "<p> </p>",
            '<img src="https://img.example.cn/a.png">',
        ),
    ],
)
def test_a_content_that_shows_something_is_kept_over_the_description(
    content: str, summary: str, post: str
) -> None:
    item = entry(guid="x", content=content, summary=summary)
    assert normalize_entry(item, base_url=None, zone=SHANGHAI).content == post


def test_a_pictures_content_beside_the_text_keeps_a_text_keyed_items_key() -> None:
    item = entry(title="标题", content='<img src="https://i.cn/a.png">', summary="<p>正文</p>")
    normalized = normalize_entry(item, base_url=None, zone=SHANGHAI)
    assert normalized.content == '<img src="https://i.cn/a.png"><p>正文</p>'
    assert normalized.key == entry_key(item, "标题", '<img src="https://i.cn/a.png">')


def test_the_description_in_place_of_an_empty_content_keeps_a_text_keyed_item_s_key() -> None:
    """An item without guid or link is keyed by its text: its key stays the
    one it was stored under when its empty content was its text."""
    item = entry(title="标题", content="<p>&nbsp;</p>", summary="<p>正文</p>")
    normalized = normalize_entry(item, base_url=None, zone=SHANGHAI)
    assert normalized.content == "<p>正文</p>"
    assert normalized.key == entry_key(item, "标题", "<p>&nbsp;</p>")


@pytest.mark.parametrize(
    ("summary", "read_before"),
    [
        # Read as HTML before (a "<word" was a tag), as text now.
        ("<Web3>周报\n下周", "<Web3>周报\n下周"),
        ("详情见官网<https://example.org/notice>。", "详情见官网<https://example.org/notice>。"),
        # Escaped twice: text before, HTML now.
        ("&lt;p&gt;第一段&lt;/p&gt;", "<p>&lt;p&gt;第一段&lt;/p&gt;</p>"),
    ],
)
def test_an_item_keyed_by_its_text_keeps_its_key_where_its_text_reads_otherwise_now(
    summary: str, read_before: str
) -> None:
    """Its key is a hash of its title and text: read otherwise by this release,
    an item stored before would be another item, and posted again."""
    item = entry(title="快讯", summary=summary)
    assert normalize_entry(item, base_url=None, zone=SHANGHAI).key == entry_key(
        item, "快讯", read_before
    )


def test_a_json_feed_item_keyed_by_its_text_keeps_its_key_with_content_text_shown() -> None:
    from feedmill.parse import parse_document

    document = (
        '{"version": "https://jsonfeed.org/version/1.1", "title": "t", "items": [{"title": "快讯",'
        ' "content_html": "<p></p>", "content_text": "央行开展逆回购。"}]}'
    )
    (raw,) = parse_document(document.encode()).entries
    normalized = normalize_entry(raw, base_url=None, zone=SHANGHAI)
    assert normalized.content == "<p>央行开展逆回购。</p>"
    assert normalized.key == entry_key(raw, "快讯", "<p></p>")


@pytest.mark.parametrize(
    ("summary", "content"),
    [
        # Escaped twice by its feed: the entities make HTML from end to end.
        (
            "&lt;p&gt;第一段&lt;/p&gt;&lt;p&gt;第二段&lt;img src=&quot;https://ex.cn/a.jpg&quot;&gt;",
            '<p>第一段</p><p>第二段<img src="https://ex.cn/a.jpg">',
        ),
        ("&lt;p&gt;AT&amp;amp;T 财报&lt;/p&gt;\n", "<p>AT&amp;T 财报</p>\n"),
        ("  &lt;DIV class=&quot;x&quot;&gt;正文&lt;BR/&gt;", '  <DIV class="x">正文<BR/>'),
        # Text that only begins or only ends with a tag is text about tags.
        ("&lt;div&gt; 标签的用法", "<p>&lt;div&gt; 标签的用法</p>"),
        ("用 &lt;br&gt; 换行，用 &lt;/p&gt;", "<p>用 &lt;br&gt; 换行，用 &lt;/p&gt;</p>"),
        ("&lt;p&gt;一&lt;/p&gt;尾", "<p>&lt;p&gt;一&lt;/p&gt;尾</p>"),
        ("&lt;Web3&gt;周报&lt;/Web3&gt;", "<p>&lt;Web3&gt;周报&lt;/Web3&gt;</p>"),
    ],
)
def test_html_escaped_twice_is_read_as_html(summary: str, content: str) -> None:
    item = entry(guid="x", summary=summary)
    assert normalize_entry(item, base_url=None, zone=SHANGHAI).content == content


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        (
            "详情见官网<https://example.org/notice>。\n第二行",
            "<p>详情见官网&lt;https://example.org/notice&gt;。<br>第二行</p>",
        ),
        ("<Web3>周报\n下周", "<p>&lt;Web3&gt;周报<br>下周</p>"),
        (
            "写信到 <mailto:news@example.cn>\n谢谢",
            "<p>写信到 &lt;mailto:news@example.cn&gt;<br>谢谢</p>",
        ),
        ("List<String> 与 Map<K,V>\n泛型", "<p>List&lt;String&gt; 与 Map&lt;K,V&gt;<br>泛型</p>"),
    ],
)
def test_a_plain_flash_with_a_word_in_angle_brackets_stays_text(text: str, shown: str) -> None:
    """Only an HTML element's tag makes a text HTML: "<https://…>" read as one
    vanished, and the text's line breaks with it."""
    item = entry(guid="x", summary=text)
    assert normalize_entry(item, base_url=None, zone=SHANGHAI).content == shown


@pytest.mark.parametrize(
    "markup",
    [
        "<p>x",
        "x</P >",
        "<center>x</center>",
        "<event-source></event-source>",
        "<o:p></o:p>",
        "</st1:chsdate>",
        "<!-- x -->",
        "<IMG src=x>",
        "<br/>",
        "a<b 且 b>c",  # (as before: "<b " is a tag's start)
    ],
)
def test_any_element_s_tag_makes_a_text_html(markup: str) -> None:
    assert looks_like_html(markup)


def test_published_else_updated_and_duplicate_updated_dropped() -> None:
    same = entry(guid="a", published="2022-09-20T16:01:00Z", updated="2022-09-20T16:01:00Z")
    normalized = normalize_entry(same, base_url=None, zone=SHANGHAI)
    assert normalized.published == utc(2022, 9, 20, 16, 1) and normalized.updated is None
    only_updated = normalize_entry(
        entry(guid="b", updated="2022-09-20T16:01:00Z"), base_url=None, zone=SHANGHAI
    )
    assert only_updated.date == utc(2022, 9, 20, 16, 1)


def test_feed_normalization_keeps_items_once_and_resolves_links() -> None:
    parsed = ParsedFeed(
        title="t",
        link="https://site.example/",
        parser="fast",
        entries=(
            entry(guid="same", title="first", link="/1"),
            entry(guid="same", title="first", link="/1"),  # repeated whole: kept once
            entry(link="//cdn.example/2", image="/img.png"),
        ),
    )
    normalized = normalize_document(parsed, feed_url="https://feeds.example/x", zone=SHANGHAI)
    entries = normalized.entries
    assert [e.title for e in entries] == ["first", ""]
    assert entries[0].key == "same" and normalized.warnings == ()
    assert entries[0].link == "https://site.example/1"
    assert entries[1].link == "https://cdn.example/2"
    assert entries[1].image == "https://cdn.example/img.png"


def test_an_item_that_cannot_be_read_is_left_out_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    """A surprise in one item (an `<img>` whose 5,000-digit width int() refused
    was one) failed the whole feed as "parser crashed", every pass."""
    import feedmill.normalize.document as normalize

    real = normalize.normalize_entry

    def flaky(raw: RawEntry, **kwargs: object) -> object:
        if raw.guid and raw.guid.startswith("bad"):
            raise ValueError("a surprise")
        return real(raw, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(normalize, "normalize_entry", flaky)
    parsed = ParsedFeed(
        title="t", link="https://site.example/", parser="fast",
        entries=(entry(guid="a", title="一"), entry(guid="bad1"), entry(guid="bad2"),
                 entry(guid="b", title="二")),
    )  # fmt: skip
    normalized = normalize_document(parsed, feed_url="https://feeds.example/x", zone=SHANGHAI)
    assert [e.title for e in normalized.entries] == ["一", "二"]
    assert normalized.warnings == ("2 items could not be read (ValueError ×2): left out",)


def test_different_items_under_one_guid_are_told_apart() -> None:
    def document(*entries: RawEntry) -> ParsedFeed:
        return ParsedFeed(title="t", link="https://site.example/", parser="fast", entries=entries)

    by_link = normalize_document(
        document(
            entry(guid="https://site.example/", title="甲", link="/a"),
            entry(guid="https://site.example/", title="乙", link="/b"),
            entry(guid="https://site.example/", title="甲", link="/a"),
        ),
        feed_url="https://feeds.example/x",
        zone=SHANGHAI,
    )
    assert [e.key for e in by_link.entries] == [
        "https://site.example/ https://site.example/a",
        "https://site.example/ https://site.example/b",
    ]
    assert by_link.warnings == (
        "3 items share a guid with different items: told apart by link or text",
    )
    # No link to tell them apart: their text does (stable across runs).
    by_text = normalize_document(
        document(entry(guid="g", title="甲"), entry(guid="g", title="乙")),
        feed_url="https://feeds.example/x",
        zone=SHANGHAI,
    )
    keys = [e.key for e in by_text.entries]
    assert len(set(keys)) == 2 and all(k.startswith("g sha256:") for k in keys)
    # Without guid or link, a podcast's episodes of one title: by what they play.
    episodes = normalize_document(
        document(*(entry(title="每日财经播报", media=((f"https://a.example/{d}.mp3", "audio"),))
                   for d in range(3)), entry(title="每日财经播报")),
        feed_url="https://feeds.example/x",
        zone=SHANGHAI,
    )  # fmt: skip
    assert len({e.key for e in episodes.entries}) == 4 and episodes.warnings == ()
    # … and a picture the sanitizer's reading alone tells apart (two lazy ones).
    pictures = normalize_document(
        document(*(entry(title="每日一图", content=f'<img data-src="https://i.example/{d}.jpg"'
                         f' src="https://i.example/blank.gif">') for d in range(2))),
        feed_url="https://feeds.example/x",
        zone=SHANGHAI,
    )  # fmt: skip
    assert len({e.key for e in pictures.entries}) == 2


def test_an_item_without_a_link_has_its_relative_links_resolved_against_the_feed() -> None:
    raw = RawEntry(
        guid="flash-1",
        title="快讯",
        content='<p>图 <img src="/upload/a.jpg"> <a href="detail/1.html">详情</a> '
        '<a href="#n">注</a> <img src="data:image/png;base64,iVBO"> &amp; 5 &lt; 6</p>',
    )
    entry = normalize_entry(raw, base_url="https://news.example.cn/rss/", zone=SHANGHAI)
    assert entry.link is None
    assert entry.content == (
        '<p>图 <img src="https://news.example.cn/upload/a.jpg"> '
        '<a href="https://news.example.cn/rss/detail/1.html">详情</a> '
        '<a href="#n">注</a> <img src="data:image/png;base64,iVBO"> &amp; 5 &lt; 6</p>'
    )
    # With a link of its own, the sanitizer resolves against that link, later.
    linked = normalize_entry(
        RawEntry(guid="a", link="https://news.example.cn/a/1.html", content=raw.content),
        base_url="https://news.example.cn/rss/",
        zone=SHANGHAI,
    )
    assert linked.content == raw.content


@pytest.mark.parametrize("written", [" /upload/a.jpg", "\t/upload/a.jpg ", "\n/upload/a.jpg"])
def test_a_relative_link_with_spaces_before_it_resolves_too(written: str) -> None:
    """A browser strips them: the post kept src=" /upload/a.jpg", a picture
    of the blog's, and its cover was the placeholder."""
    raw = RawEntry(guid="flash-3", title="图", content=f'<p><img src="{written}"></p>')
    entry = normalize_entry(raw, base_url="https://news.example.cn/rss/", zone=SHANGHAI)
    assert 'src="https://news.example.cn/upload/a.jpg"' in entry.content


def test_a_link_less_items_long_run_of_spaces_after_src_is_read_in_one_pass() -> None:
    raw = RawEntry(guid="f", title="图", content="<p><img src=" + " " * 200_000 + "></p>")
    entry = normalize_entry(raw, base_url="https://news.example.cn/rss/", zone=SHANGHAI)
    assert entry.content.startswith("<p><img src=")


def test_lazy_sources_and_srcsets_of_a_link_less_item_resolve_too() -> None:
    raw = RawEntry(
        guid="flash-2",
        title="图",
        content='<p><img data-src="/upload/a.jpg" src="/static/loading.gif">'
        '<img srcset="/upload/b-400.jpg 400w, /upload/b-800.jpg 800w"></p>',
    )
    entry = normalize_entry(raw, base_url="https://news.example.cn/rss", zone=SHANGHAI)
    assert 'data-src="https://news.example.cn/upload/a.jpg"' in entry.content
    assert 'src="https://news.example.cn/static/loading.gif"' in entry.content
    assert (
        'srcset="https://news.example.cn/upload/b-400.jpg 400w, '
        'https://news.example.cn/upload/b-800.jpg 800w"' in entry.content
    )


_FLASH = "https://news.example.com/flash/"


@pytest.mark.parametrize(
    ("lazy", "resolved_before", "shown"),
    [
        # A flag, a caption, a list of one address a line:
        ('data-lazyload="true"', f"{_FLASH}true", "https://img.example.com/a.jpg"),
        ('data-src="图/新华社"', f"{_FLASH}图/新华社", "https://img.example.com/a.jpg"),
        ('data-src="AP Photo/Andy Wong"', f"{_FLASH}AP Photo/Andy Wong", "https://img.example.com/a.jpg"),
        ('data-src="/b.jpg\n/c.jpg"', "https://news.example.com/b.jpg/c.jpg", "https://img.example.com/a.jpg"),
        # … and an address, resolved.
        ('data-src="/up/b.jpg"', "https://news.example.com/up/b.jpg", "https://news.example.com/up/b.jpg"),
    ],
)  # fmt: skip
def test_a_link_less_items_lazy_value_that_is_no_address_is_not_made_one(
    lazy: str, resolved_before: str, shown: str
) -> None:
    """Resolved against the feed, "true" was https://news.example.com/true,
    which the prepass took for a lazy script's picture: the post's picture
    and header were a page that is none (the same item with a link showed
    its own).  Its key stays the one it was stored under."""
    from feedmill.sanitize.clean import sanitize_html

    content = f'<p><img class="lazy" src="https://img.example.com/a.jpg" {lazy}></p>'
    raw = RawEntry(title="快讯", content=content)
    entry = normalize_entry(raw, base_url=_FLASH, zone=SHANGHAI)
    assert sanitize_html(entry.content, base_url=None).image == shown
    name = lazy.partition("=")[0]
    before = (
        f'<p><img class="lazy" src="https://img.example.com/a.jpg" {name}="{resolved_before}"></p>'
    )
    assert entry.key == entry_key(raw, "快讯", before)


def test_a_link_less_items_lazy_player_resolves_too() -> None:
    raw = RawEntry(title="视频", content='<iframe src="about:blank" data-lazy-src="/embed/v1">')
    entry = normalize_entry(raw, base_url=_FLASH, zone=SHANGHAI)
    assert 'data-lazy-src="https://news.example.com/embed/v1"' in entry.content


def test_a_video_poster_resolves_against_the_contents_base() -> None:
    """lxml does not count `poster` among an element's links."""
    raw = RawEntry(
        guid="v1",
        title="视频",
        link="https://blog.example.com/posts/1/",
        content='<video src="clips/v1.mp4" poster="v1.jpg"></video>',
        content_base="https://media.example.com/clips/",
    )
    entry = normalize_entry(raw, base_url="https://blog.example.com/feed", zone=SHANGHAI)
    assert 'poster="https://media.example.com/clips/v1.jpg"' in entry.content
    flash = RawEntry(
        guid="v2", title="视频", content='<video src="v2.mp4" poster="v2.jpg"></video>'
    )
    entry = normalize_entry(flash, base_url="https://news.example.cn/rss/", zone=SHANGHAI)
    assert 'poster="https://news.example.cn/rss/v2.jpg"' in entry.content


@pytest.mark.parametrize(
    ("markup", "text"),
    [
        ("<p>央行<b>降准</b></p>", " 央行 降准  "),
        ("x < y and y > z", "x   z"),  # as an HTML parser would not, but as before
        ("<p>1 < 2", " 1 < 2"),  # a < that no > follows is text
        ("<a " * 4, "<a " * 4),
        ("<p>x</p><", " x <"),
        ("", ""),
    ],
)
def test_tags_are_stripped_up_to_the_next_closing_bracket(markup: str, text: str) -> None:
    """Text full of ``<`` and no ``>`` (``'<a ' * 100_000``, 300 KB) took the
    tag pattern 9 s, trying each ``<`` against the rest of the text; what
    comes after the last ``>`` holds no tag and is left as it is."""
    assert strip_tags(markup) == text
    assert visible_text("<a " * 100_000) == ("<a " * 100_000).strip()


# Characters around which NFKC's fast path could go wrong: full-width forms and
# what follows them (combining marks compose with the narrowed character:
# ＝ + U+0338 is ≠), half-width katakana and their voicing marks (outside the
# narrowed range), compatibility ideographs, circled numbers, Hangul jamo.
_NFKC_TRICKY = (
    "".join(map(chr, range(0x20, 0x7F)))
    + "".join(map(chr, range(0xFF00, 0xFFF0)))
    + "\u3000\u0301\u0308\u0338\u3099\u309a\uf900\u2460\u00e9\u212b\u1100\u1161\uac00"
    + "\u304b\u30ab\u4e2d\u3231\u33a1\u2003\u00a0\ufe50\u2f00"
)


@given(st.text(alphabet=st.sampled_from(_NFKC_TRICKY)) | st.text())
def test_nfkc_is_unicodedatas_nfkc(text: str) -> None:
    assert nfkc(text) == unicodedata.normalize("NFKC", text)


# Markup around which "does it show any text" could be misread: tags, entities
# of nothing visible (&nbsp;) and of something (&#8203; is no whitespace),
# invisible elements, brackets inside attributes, full-width spaces.
_MARKUP_TRICKY = st.lists(
    st.sampled_from(
        [
            "<p>",
            "</p>",
            "<br>",
            "<b>",
            "</b>",
            '<img src="x.png">',
            '<a title="a>b">',
            "</a>",
            "<script>",
            "</script>",
            "<style>x</style>",
            "<template>",
            "<noscript>",
            "<video>",
            "</video>",
            "<iframe src=x>",
            "</iframe>",
            "<rt>",
            "</rt>",
            "<ruby>",
            "&nbsp;",
            "&#160;",
            "&#8203;",
            "&amp;",
            "&lt;",
            "&",
            "<",
            ">",
            " ",
            "\n",
            "\u3000",
            "\xa0",
            "x",
            "中",
            "1",
            "\x1c",
        ]
    ),
    max_size=12,
).map("".join)


@pytest.mark.parametrize(
    ("markup", "read"),
    [
        # A player's fallback, which no browser of today shows.
        (
            "<p>工信部发布数据。</p><video controls>您的浏览器不支持视频播放</video>",
            "工信部发布数据。",
        ),
        ("<p>A</p><audio src=a.mp3><p>不支持音频</p></audio><p>B</p>", "A B"),
        # What a frame holds: the sanitizer empties it (one left open holds the rest).
        (
            '<p>央行逆回购。</p><iframe src="https://t.example/w">点击领取红包</iframe>',
            "央行逆回购。",
        ),
        ("<p>a</p><iframe src=x>rest<p>b</p>", "a"),
        # Ruby's notes over a word: 广告 as it reads, no gap.
        ("<ruby>广<rt>guang</rt>告</ruby>", "广告"),
        ("<ruby>广<rp>(</rp><RT class=a>guǎng</Rt ><rp>)</rp>告</ruby>位", "广告位"),
        # … its end tag left out (the HTML parser ends it), markup in it, a
        # container of notes, the base text marked.
        ("<p>本文<ruby>广<rt>guǎng</ruby>告位</p>", "本文广告位"),
        ("<ruby>漢<rt>kan<rt>ji</ruby>字", "漢字"),
        ("<ruby>广<rt><span>guǎng</span></rt>告</ruby>", "广告"),
        ("<ruby>广<rtc><rt>guǎng</rt></rtc>告</ruby>", "广告"),
        ("<ruby><rb>广</rb><rt>guang</rt><rb>告</rb></ruby>位", "广告位"),
        ("<p><ruby><rb>广<rt>guang<rb>告<rt>gao</ruby>位</p>", "广告位"),
        ("<video>only a fallback</video>", ""),
        # One written as XML ends there, as the sanitizer reads it.
        ('<p>导语。</p><video src="b.mp4" /><p>正文。</p>', "导语。 正文。"),
        ('<p>导语。</p><iframe src="https://p.example/1"/><p>正文。</p>', "导语。 正文。"),
        ('<p>导语。</p><object data="a.pdf"/><p>正文。</p>', "导语。 正文。"),
        ('<p>导语。</p><script src="w.js"/><p>正文。</p>', "导语。 正文。"),
        # (Not where an unquoted value takes the "/": `src=a.mp4/` is its URL.)
        ("<p>导语。</p><video src=a.mp4/><p>正文。</p>", "导语。"),
        ("<p>导语。</p><video src=a.mp4\n/><p>正文。</p>", "导语。 正文。"),
    ],
)
def test_reading_text_leaves_out_what_no_reader_reads(markup: str, read: str) -> None:
    """As search reads a post (search/tokens.py): a rule on 红包 blocked an
    item for a frame's text that its post never shows, and one on 广告
    missed a word with its pinyin over it."""
    assert reading_text(markup) == read
    assert shows_text(markup) == bool(read)


@given(_MARKUP_TRICKY | st.text())
def test_shows_text_answers_as_reading_text_does(markup: str) -> None:
    assert shows_text(markup) == bool(reading_text(markup))


def test_shows_text() -> None:
    assert shows_text("<p>据<a>新华社</a>报道</p>")
    assert shows_text('<p><a title="x>y"></a></p>')  # as strip_tags reads a tag
    assert not shows_text("<p>&nbsp;\u3000<br></p>")
    assert shows_text("<p>&#8203;</p>")
    assert not shows_text("<script>var x = 1;</script>")
    assert not shows_text('<p><img src="a.png"></p>')
    assert not shows_text('<<a title="a>b">')  # "<b\">" once the inline tag is gone


def test_nfkc_narrows_full_width_punctuation() -> None:
    assert nfkc("央行（PBOC）：降准０．５个百分点！") == "央行(PBOC):降准0.5个百分点!"
    assert nfkc("Ａ\u0301　ｶﾞ") == "Á ガ"


def test_an_edited_article_is_one_story_and_two_articles_are_not() -> None:
    """`one_story` tells an article edited in place (a sentence added, one
    struck) from another story: no two of the sample articles are one, each
    is one with itself edited."""
    from itertools import combinations
    from pathlib import Path

    from feedmill.normalize.text import one_story

    folder = Path(__file__).parent / "data" / "articles"
    texts = {p.name: p.read_text(encoding="utf-8") for p in folder.glob("*.expected.txt")}
    assert len(texts) >= 10
    for (a, one), (b, other) in combinations(texts.items(), 2):
        assert not one_story(one, other), (a, b)
    for name, text in texts.items():
        lines = text.splitlines()
        edited = "\n".join(["更正：本文第二段数据有误，已修改。", *lines[:-1]])
        assert one_story(text, edited), name
    assert not one_story("", "")


def test_the_key_of_an_item_without_guid_or_link_is_its_text_as_it_always_was() -> None:
    """Its key is a hash of its title and text: text read another way (hidden
    elements, a button's label left out, as posts now show it) gave stored
    items new keys, and they were posted again."""
    import hashlib

    for html, text in (
        ("<p>快讯一<button>分享</button></p>", "快讯一 分享"),
        ("<p>快讯二<span hidden>隐藏</span></p>", "快讯二 隐藏"),
        ('<p><svg class="i"/>快讯三</p><script>x()</script>', "快讯三"),
    ):
        key = entry_key(entry(title="标题", content=html, guid=None, link=None), "标题", html)
        assert key == "sha256:" + hashlib.sha256(f"标题\n{text}".encode()).hexdigest(), html


def test_what_the_sanitizer_drops_hides_only_itself() -> None:
    """A self-closed <svg/> (foreign content closes so) or a <button> never
    closed hid the rest of the article from rules, dedupe and the key; a
    custom element named like one (<title-bar>) is no such element."""
    assert visible_text('<p>前文<svg class="icon"/>央行宣布降准</p><p>第二段推广内容</p>') == (
        "前文 央行宣布降准 第二段推广内容"
    )
    assert visible_text("<p>前文<button>分享</button>正文</p>") == "前文 正文"
    # Left open, it holds what follows to the end of the element around it,
    # as an HTML parser (the sanitizer's) reads it …
    assert visible_text("<p>甲<button>乙</p><p>丙</p>") == "甲 丙"
    assert visible_text("<p>一<textarea>二</p><p>三</p>") == "一"  # (raw text: the rest)
    # … but one written as XML ends at "/>", as the sanitizer ends it
    # (sanitize.clean._SELF_CLOSED): it held the rest of the article.
    assert visible_text("<p>正文开头<button/>推广内容</p><p>结尾</p>") == "正文开头 推广内容 结尾"
    assert visible_text("<p>一<textarea/>二</p><p>三</p>") == "一 二 三"
    # An <svg> or <math> left open is left at the next HTML element, as a parser
    # leaves foreign content; a <title> or <textarea> left open holds the rest.
    assert visible_text('<div><svg viewBox="0 0 1 1"><path d="M0"/><p>段落</p></div>') == "段落"
    assert visible_text("<div><title>T</div><p>正文</p>") == ""
    # Rules read as search does: inline tags go after what shows nothing.
    markup = "<p>点击<button>这里 <b>粗体</b> 更多</p><p>下一段</p>"
    assert reading_text(markup) == visible_text(markup)
    # Many left open: each looked for once (it was quadratic: 38 s for 1.8 MB).
    assert visible_text("<p>文字<button>按钮" * 20_000 + "</p><p>尾</p>") == "文字 尾"
    assert visible_text("<title-bar>标题栏</title-bar><p>正文</p>") == "标题栏 正文"
    assert visible_text("<p>前文<script>x()") == "前文"  # a script left open hides the rest
    # Hidden by its style or attribute: text the post does not show.
    assert visible_text('<p>甲<span style="display:none">乙</span>丙</p>') == "甲丙"
    assert shows_text("<p hidden>隐藏</p>") is False
    assert shows_text('<p style="text-indent:2em">正文</p>') is True


@pytest.mark.parametrize("title", ["\u200b", "\u2060 \u00ad", "\u200e", "\u3164", "<b>\u200b</b>"])
def test_a_title_that_shows_nothing_is_none(title: str) -> None:
    """The item is named by its text, as one without a title: a post titled
    with a zero-width space could not be seen, or clicked, in a list."""
    raw = entry(title=title, content="<p>有正文。第二句</p>", title_is_html=True)
    item = normalize_entry(raw, base_url=None, zone=SHANGHAI)
    assert item.title == ""
    # Its key (it has no guid or link) is the one it had.
    assert item.key == entry_key(raw, title.replace("<b>", "").replace("</b>", ""), item.content)


def test_a_title_of_a_character_this_python_does_not_know_is_a_title() -> None:
    """An emoji newer than Python's Unicode tables (unassigned to it), or a
    font's private icon: drawn all the same."""
    for title in ("\U0001fae8", "\ue000"):
        raw = entry(title=title, content="<p>正文</p>", title_is_html=True)
        assert normalize_entry(raw, base_url=None, zone=SHANGHAI).title == title


def test_a_tag_left_open_after_a_comment_reads_at_once() -> None:
    """A comment, then a tag never closed whose "=" are followed by spaces:
    reading the tag to its end tried every way to split the spaces (a feed's
    one such item hung its worker)."""
    from feedmill.normalize.text import visible_text

    markup = "<p>正文<!-- more -->第一段</p><p><img src= a.jpg" + " width= 1" * 200
    assert visible_text(markup).startswith("正文第一段")


def test_comments_end_at_either_mark_and_are_read_once() -> None:
    """A browser ends a comment at "--!>" too; looking for that mark past
    each comment read the rest of the text once a comment (7,000 comments:
    seconds)."""
    from feedmill.normalize.text import without_comments

    assert without_comments("a<!--x--!>b<!-- y -->c") == "abc"
    assert without_comments("<!---->" * 7000 + "d") == "d"
