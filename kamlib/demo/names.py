"""Fake Chinese names: person names, cities, company 字号 and industry words for the demo ledger."""
from __future__ import annotations

import numpy as np

_CITIES = {"华东": ["上海", "杭州", "苏州", "南京", "宁波", "无锡", "合肥", "常州"],
           "华北": ["北京", "天津", "石家庄", "太原", "济南", "青岛", "唐山"],
           "华南": ["广州", "深圳", "东莞", "佛山", "厦门", "珠海", "中山"],
           "西部": ["成都", "重庆", "西安", "昆明", "贵阳", "兰州", "绵阳"]}
_ZIHAO = list("华兴宏达恒瑞鑫源泰盛晨光科创远航博通天成金安联合嘉信永隆中精汇德新锐海峰铭辉明阳启润正和东方万邦")
_INDUSTRY_WORD = {"汽车制造": ["汽车零部件", "汽车部件", "车辆配件"], "电子电器": ["电子", "电器", "智能电子"],
                  "机械装备": ["机械", "精密机械", "装备制造"], "新能源": ["新能源", "光伏科技", "电池科技"],
                  "食品饮料": ["食品", "饮料", "乳业"], "医药健康": ["医药", "生物科技", "医疗器械"]}
_SURNAMES = [("王", "wang"), ("李", "li"), ("张", "zhang"), ("刘", "liu"), ("陈", "chen"), ("杨", "yang"),
             ("黄", "huang"), ("赵", "zhao"), ("吴", "wu"), ("周", "zhou"), ("徐", "xu"), ("孙", "sun"),
             ("马", "ma"), ("朱", "zhu"), ("胡", "hu"), ("郭", "guo"), ("何", "he"), ("林", "lin"),
             ("高", "gao"), ("罗", "luo"), ("郑", "zheng"), ("梁", "liang"), ("谢", "xie"), ("宋", "song")]
_GIVEN = list("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍建国红文辉鹏宇浩然晨曦思远")


def _names(rng: np.random.Generator, n: int) -> tuple[list[str], list[str]]:
    """Fake Chinese person names and their surname pinyin."""
    s = rng.integers(0, len(_SURNAMES), n)
    g1 = rng.integers(0, len(_GIVEN), n)
    g2 = rng.integers(0, len(_GIVEN), n)
    two = rng.random(n) < 0.6
    names = [_SURNAMES[a][0] + _GIVEN[b] + (_GIVEN[c] if t else "") for a, b, c, t in zip(s, g1, g2, two, strict=True)]
    return names, [_SURNAMES[a][1] for a in s]


def _company_names(rng: np.random.Generator, regions: list[str], industries: list[str], parents: np.ndarray,
                   parent_of: np.ndarray) -> list[str]:
    """Unique registered names: city + 字号 + industry word + legal form; subsidiaries carry the parent's 字号."""
    n = len(regions)
    cities = [rng.choice(_CITIES[r]) for r in regions]
    z1 = rng.integers(0, len(_ZIHAO), n)
    z2 = rng.integers(0, len(_ZIHAO), n)
    zihao = [_ZIHAO[a] + _ZIHAO[b] for a, b in zip(z1, z2, strict=True)]
    word = [rng.choice(_INDUSTRY_WORD[i]) for i in industries]
    form_u = rng.random(n)
    names: list[str] = [""] * n
    set_parents = set(parents.tolist())
    for i in range(n):
        if i in set_parents:
            names[i] = f"{cities[i]}{zihao[i]}{word[i]}集团有限公司"
        elif parent_of[i] >= 0:
            p = parent_of[i]
            names[i] = f"{zihao[p]}{word[p]}({cities[i]})有限公司"
        else:
            form = "股份有限公司" if form_u[i] < 0.25 else "有限公司"
            names[i] = f"{cities[i]}{zihao[i]}{word[i]}{form}"
    seen: dict[str, int] = {}
    for i, nm in enumerate(names):   # keep names unique (as real registered names are)
        c = seen.get(nm, 0)
        seen[nm] = c + 1
        if c:
            names[i] = nm.replace("有限公司", f"第{c + 1}分公司", 1) if parent_of[i] >= 0 else \
                nm.replace(cities[i], cities[i] + "市" + "东西南北中"[c % 5], 1)
    return names
