"""Generate a benchmark corpus: F feeds × I items of Chinese news-like HTML.

Deterministic for a seed. About a tenth of the feeds are GBK-encoded, as
Chinese sites still serve them. Items look like RSSHub full-text output:
several paragraphs, bold sub-heads, stcn-style stock links, an image now
and then, a table in some.

    python -m benchmarks.corpus OUT_DIR --feeds 1000 --items 50
"""

from __future__ import annotations

import argparse
import json
import random
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from functools import cache
from pathlib import Path
from xml.sax.saxutils import escape

SOURCES = [
    ("证券时报网", "要闻"),
    ("新浪财经", "国内滚动"),
    ("东方财富", "财经要闻"),
    ("金色财经", "快讯"),
    ("开源中国", "最新资讯"),
    ("掘金", "前端"),
    ("36氪", "快讯"),
    ("财联社", "电报"),
    ("第一财经", "头条"),
    ("界面新闻", "科技"),
]
SUBJECTS = [
    "央行",
    "证监会",
    "国家统计局",
    "沪深交易所",
    "工信部",
    "发改委",
    "财政部",
    "外汇局",
    "某新能源车企",
    "某半导体公司",
    "某头部券商",
    "某互联网平台",
    "某光伏龙头",
    "某银行",
    "开源社区",
    "某云服务商",
    "某芯片设计企业",
    "某储能企业",
    "北向资金",
    "公募基金",
]
VERBS = ["发布", "宣布", "披露", "表示", "开展", "推出", "完成", "启动", "公布", "召开"]
OBJECTS = [
    "逆回购操作",
    "三季度经营数据",
    "新一轮融资",
    "年度发展规划",
    "专项债发行计划",
    "稳增长政策措施",
    "新版本开源项目",
    "产能扩建项目",
    "回购方案",
    "数字化转型方案",
    "海外市场布局",
    "研发投入计划",
    "绿色金融产品",
    "人工智能大模型",
    "跨境支付试点",
]
FILLERS = [
    "市场人士认为，相关举措有助于稳定预期、提振信心。",
    "数据显示，前三季度相关领域投资同比增长超过百分之十，增速较上半年有所加快。",
    "分析师指出，短期市场情绪仍偏谨慎，但中长期基本面向好的趋势没有改变。",
    "业内专家表示，下一步将继续加大对实体经济的支持力度，推动高质量发展。",
    "截至收盘，沪指涨0.85%，深成指涨1.12%，创业板指涨1.36%，两市成交额约9800亿元。",
    "公司表示，将坚持创新驱动，持续优化产品结构，提升核心竞争力。",
    "记者注意到，近期多地密集出台配套政策，围绕扩大有效投资、促进消费恢复等方面发力。",
    "该项目总投资约50亿元，建成后预计年产值可达120亿元，带动就业岗位3000余个。",
    "与此同时，监管部门强调要守住不发生系统性金融风险的底线。",
    "从行业格局看，龙头企业凭借规模和技术优势，市场份额有望进一步提升。",
]
STOCKS = [
    ("300024", "机器人"),
    ("300750", "宁德时代"),
    ("002594", "比亚迪"),
    ("601012", "隆基绿能"),
    ("600519", "贵州茅台"),
    ("000516", "国际医学"),
    ("300959", "线上线下"),
]


# Bump when the generated text changes: cached corpora are keyed by it.
CORPUS_VERSION = 3
# Company names from syllables: each article is about its own company, with its
# own figures, as real news is — not the same story a thousand times over.
SYLLABLES = "华宁远启云泰恒达安瑞兴盛鼎新联创天海嘉睿博晟鑫康润腾飞祥和中信光明"
SUFFIXES = ["科技", "股份", "电子", "能源", "医药", "材料", "智能", "汽车", "环境", "传媒"]


def _company(rng: random.Random) -> str:
    return rng.choice(SYLLABLES) + rng.choice(SYLLABLES) + rng.choice(SUFFIXES)


# Sentences are made of words drawn from jieba's dictionary, a topic of a
# few dozen per article: two unrelated articles share about as few words as
# real ones do, instead of the ten stock sentences every article repeated before.
# Joined by function words, which dedupe and search both ignore.
CONNECTORS = ["的", "与", "和", "在", "对", "将", "已", "，"]


@cache
def vocabulary() -> tuple[str, ...]:
    """Content words of jieba's dictionary (2–4 characters, GBK-encodable)."""
    import jieba

    words = []
    with Path(jieba.__file__).with_name("dict.txt").open(encoding="utf-8") as lines:
        for line in lines:
            word, frequency, *_ = line.split()
            if 2 <= len(word) <= 4 and 20 <= int(frequency) <= 5000 and _gbk(word):
                words.append(word)
    return tuple(words)


def _gbk(word: str) -> bool:
    try:
        word.encode("gbk")
    except UnicodeEncodeError:
        return False
    return all("\u4e00" <= char <= "\u9fff" for char in word)


def _sentence(rng: random.Random, topic: list[str]) -> str:
    if rng.random() < 0.05:
        return rng.choice(FILLERS)  # outlet phrasing that many articles share
    words = [rng.choice(topic) for _ in range(rng.randint(5, 9))]
    text = words[0] + "".join(rng.choice(CONNECTORS) + word for word in words[1:])
    if rng.random() < 0.3:
        text += f"，同比增长{rng.randint(1, 60)}.{rng.randint(0, 9)}%"
    return text + "。"


def _stock_link(rng: random.Random) -> str:
    code, name = rng.choice(STOCKS)
    market = "SZ" if code.startswith(("0", "3")) else "SH"
    return (
        f'<a class="trsHotWords" style="color: #2f67d1;text-decoration: none;" target="_blank" '
        f'href="https://info.stcn.com/dc/stock/?stockcode={market}{code}" code="{code}">{name}</a>'
    )


def article(rng: random.Random, n: int) -> tuple[str, str]:
    subject, verb, obj = _company(rng), rng.choice(VERBS), rng.choice(OBJECTS)
    amount = f"{rng.randint(1, 999)}.{rng.randint(0, 9)}亿元"
    title = f"{subject}{verb}{obj} 涉及金额{amount}"
    paragraphs = []
    if rng.random() < 0.3:
        paragraphs.append(
            f'<p><img src="https://img.example.cn/news/{n % 997}.jpg" '
            f'referrerpolicy="no-referrer"></p>'
        )
    topic = rng.sample(vocabulary(), 60)
    for i in range(rng.randint(4, 9)):
        sentences = "".join(_sentence(rng, topic) for _ in range(rng.randint(2, 5)))
        if rng.random() < 0.3:
            sentences = sentences[:20] + _stock_link(rng) + sentences[20:]
        if i and rng.random() < 0.2:
            paragraphs.append(f"<p><strong>{rng.choice(OBJECTS)}</strong></p>")
        paragraphs.append(f"<p>{subject}{verb}{obj}，金额{amount}。{sentences}</p>")
    if rng.random() < 0.1:
        rows = "".join(
            f"<tr><td>{y}年</td><td>{rng.randint(100, 999)}.{rng.randint(0, 99)}亿元</td></tr>"
            for y in range(2018, 2023)
        )
        paragraphs.append(
            f"<table><thead><tr><th>年份</th><th>金额</th></tr></thead><tbody>{rows}</tbody></table>"
        )
    return title, "\n".join(paragraphs)


def feed(rng: random.Random, index: int, items: int, encoding: str) -> bytes:
    source, channel = SOURCES[index % len(SOURCES)]
    start = datetime(2022, 9, 20, tzinfo=UTC) - timedelta(hours=index)
    parts = [
        f'<?xml version="1.0" encoding="{encoding}"?>',
        '<rss xmlns:atom="http://www.w3.org/2005/Atom" version="2.0"><channel>',
        f"<title><![CDATA[{source} - {channel}{index}]]></title>",
        f"<link>https://news{index % 50}.example.cn/list/{index}.html</link>",
        f"<description><![CDATA[{source} - {channel} - Powered by RSSHub]]></description>",
        "<generator>RSSHub</generator><language>zh-cn</language><ttl>5</ttl>",
    ]
    for n in range(items):
        title, body = article(rng, index * 1000 + n)
        link = f"https://news{index % 50}.example.cn/article/{index}/{n}.html"
        when = format_datetime(start - timedelta(minutes=7 * n), usegmt=True)
        parts.append(
            f"<item><title><![CDATA[{title}]]></title><description><![CDATA[{body}]]></description>"
            f'<pubDate>{when}</pubDate><guid isPermaLink="false">{escape(link)}</guid>'
            f"<link>{escape(link)}</link><author><![CDATA[{source}]]></author>"
            f"<category>{channel}</category></item>"
        )
    parts.append("</channel></rss>")
    return "\n".join(parts).encode(encoding)


def generate(out: Path, feeds: int, items: int, seed: int = 2022, gbk_every: int = 10) -> dict:
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    manifest = {"feeds": feeds, "items": items, "seed": seed, "files": []}
    total = 0
    for index in range(feeds):
        encoding = "gbk" if gbk_every and index % gbk_every == gbk_every - 1 else "utf-8"
        data = feed(rng, index, items, encoding)
        name = f"feed{index:05d}.xml"
        (out / name).write_bytes(data)
        source = SOURCES[index % len(SOURCES)][0]
        manifest["files"].append({"name": name, "source": source, "encoding": encoding})
        total += len(data)
    manifest["bytes"] = total
    (out / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    return manifest


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("out", type=Path)
    parser.add_argument("--feeds", type=int, default=1000)
    parser.add_argument("--items", type=int, default=50)
    parser.add_argument("--seed", type=int, default=2022)
    args = parser.parse_args()
    manifest = generate(args.out, args.feeds, args.items, args.seed)
    print(
        f"{args.feeds} feeds × {args.items} items, {manifest['bytes'] / 1e6:.1f} MB in {args.out}"
    )


if __name__ == "__main__":
    main()
