"""Build accounts/common_passwords.txt: the passwords refused at any password change (ASVS 6.2.12).

Run `python -m trainingapp.accounts.common_passwords_build` (needs the dev requirement zxcvbn)
to regenerate the file; the app only reads the text file. Its sources:

- zxcvbn's "passwords" frequency list (MIT licence): the 30,000 most frequent passwords of
  Mark Burnett's 10-million-password corpus, most frequent first;
- the passwords Chinese users choose most, which that corpus under-represents: the top of the
  CSDN and Tianya leaks (2011), love numbers (520, 1314), lucky numbers (666, 888, 168), the
  pinyin of the hundred commonest surnames and of common words each followed by the digit
  runs people append, and keyboard and number patterns.
"""
from __future__ import annotations

import sys
from pathlib import Path

TARGET = Path(__file__).with_name("common_passwords.txt")

#: The most frequent passwords of the CSDN (2011) and Tianya leaks beyond zxcvbn's list.
CHINESE_LEAKS = """
123456789 12345678 11111111 dearbook 00000000 123123123 1234567890 88888888 111111111 147258369
987654321 aaaaaaaa 1111111111 66666666 a123456789 11223344 1qaz2wsx xiazhili 789456123 password
87654321 qqqqqqqq 000000000 qwertyuiop qq123456 iloveyou 31415926 12344321 0000000000 asdfghjkl
1q2w3e4r 123456abc 0123456789 123654789 12121212 qazwsxedc abcd1234 12341234 110110110 asdasdasd
123456 22222222 123321123 abc123456 a12345678 123456123 a1234567 1234qwer qwertyui 123456789a
aa123456 asdfasdf 99999999 999999999 123456aa 123456123456 520520520 11112222 5201314 1314520
woaini1314 woaini520 woaini woaiwojia 52013140 5201314520 wodemima caonima nihao123 zxcvbnm
zhang123 wang123 li123456 aini1314 woainima woaibaba woaimama iloveyou1314 qwe123 qweasdzxc
zhongguo zhonghua zhongguoren beijing shanghai tianjin chongqing guangzhou shenzhen wuhan
baobei baobei520 laopo520 laogong520 laopo laogong xiaobao tiantian wangyi qq5201314
""".split()

#: The project's earlier hand-made list: words of this field (学法, 培训, 公务员) and brand names.
CONTEXT = """
121212 52013141 7758258 7758521 password1 a0000000 a1111111 a8888888 abcdefg abcdefgh admin888
administrator changeme123 china123 demo1234 gongwuyuan huawei123 lisi123456 p@ssword peixun123
qwe12345 root123 xiaomi123 xuefa123456 xuefa2026 zhangsan xuefa peixun falv123 fazhi123
""".split()

#: Pinyin of the hundred commonest Chinese surnames (公安部 2020 ranking, toneless).
SURNAMES = """
wang li zhang liu chen yang huang zhao wu zhou xu sun ma zhu hu guo he lin gao luo zheng liang
xie song tang han feng deng cao peng zeng xiao tian dong pan yuan cai jiang yu du ye cheng wei
su lv ding ren lu yao shen zhong cui tan liao fan wan jin shi jia fu xia fang zou xiong bai meng
qin qiu hou jiang yin xue yan duan lei long li shi tao he mao hao gu gong shao wan qian yan qin
dai mo kong xiang chang wen kang niu
""".split()

#: Pinyin words people build passwords from.
WORDS = """
woaini aini wo woaiwojia woaini1314 nihao zhongguo zhonghua baobei laopo laogong xiaobao
qinqin aiqing xingfu kuaile pingan fazhi falv zhengfu dangyuan ganbu xuexi kaoshi mima
woshishui haha hehe tiantian xiaoxiao beijing shanghai shenzhen guangzhou
""".split()

#: Digit runs appended to names and words.
SUFFIXES = ["", "1", "12", "123", "1234", "12345", "123456", "520", "521", "1314", "5201314", "666", "888",
            "8888", "6666", "168", "110", "000", "111", "007", "2008", "88", "66", "99"]


def chinese_patterns() -> set[str]:
    """Pinyin names and words with the digit runs people add, and number patterns."""
    found = set(CHINESE_LEAKS) | set(CONTEXT)
    for stem in set(SURNAMES) | set(WORDS):
        found.update(stem + suffix for suffix in SUFFIXES)
    for digit in "0123456789":
        found.update(digit * n for n in range(6, 13))
    for love in ("520", "521", "1314", "5201314", "1314520"):
        found.update({love * 2, love * 3, "a" + love, love + "a", "qq" + love, "woaini" + love})
    runs = "1234567890"
    found.update(runs[:n] for n in range(6, 11))
    found.update(runs[:n][::-1] for n in range(6, 10))
    for year in range(1950, 2031):
        found.update({f"woaini{year}", f"abc{year}", f"qq{year}", f"a{year}", f"{year}{year}"})
    return found


def build() -> list[str]:
    """zxcvbn's list in its order of frequency, then the Chinese patterns it lacks, lower case, unique."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS
    seen: dict[str, None] = {}
    for word in FREQUENCY_LISTS["passwords"]:
        seen.setdefault(word.strip().lower(), None)
    for word in sorted(chinese_patterns()):
        seen.setdefault(word.lower(), None)
    return [word for word in seen if word]


def main() -> int:
    words = build()
    header = ("# Common passwords refused at any password change (ASVS 6.2.12). Lower case, one per line.\n"
              "# Built by trainingapp/accounts/common_passwords_build.py from zxcvbn's password frequency list\n"
              "# (MIT licence) and the passwords Chinese users choose most; do not edit by hand.\n")
    TARGET.write_text(header + "\n".join(words) + "\n", "utf-8")
    print(f"{len(words)} passwords written to {TARGET}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
