"""Demo register: 江川市 (an invented city of an invented province, with GB/T 2260-shaped codes),
five enforcement bodies, the city justice bureau, about 60 officers with certificates, training
records, and one login per role. Every register write goes through `org.services`, so the
ledger holds the whole history. Dates are relative to today, so "expiring soon" stays true."""

from __future__ import annotations

import datetime as dt
import random

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from . import services
from .identity_fixtures import make_credit_code, make_resident_id
from .models import Agency, Certificate

PASSWORD = "zhifa-demo-2026"

# The role groups of DESIGN.md "Who uses it"; the auth layer builds permissions on these names.
ROLE_GROUPS = ["执法人员", "法制审核人员", "机关负责人", "公示管理员", "档案管理员", "监督人员", "系统管理员"]

LOGINS = [
    ("officer", PASSWORD, "执法人员（江川市市场监督管理局）"),
    ("reviewer", PASSWORD, "法制审核人员（江川市市场监督管理局法制科）"),
    ("head", PASSWORD, "机关负责人（江川市市场监督管理局）"),
    ("publicity", PASSWORD, "公示管理员（江川市市场监督管理局）"),
    ("archivist", PASSWORD, "档案管理员（江川市市场监督管理局）"),
    ("supervisor", PASSWORD, "监督人员（江川市司法局）"),
    ("admin", PASSWORD, "系统管理员"),
]

PROVINCE = ("390000", "江南省")
CITY = ("390100", "江川市")
DISTRICTS = [("390102", "清河区"), ("390103", "东湖区"), ("390105", "西山区"), ("390121", "临江县")]

CATEGORIES = [
    ("SC", "市场监管综合执法"),
    ("SP", "食品安全"),
    ("HJ", "生态环境保护"),
    ("SL", "水行政执法"),
    ("WS", "卫生健康监督"),
    ("CG", "城市管理综合执法"),
]

REMEDIES = "对本机关作出的行政执法决定不服的，可以自收到决定书之日起六十日内向江川市人民政府申请行政复议，" \
           "或者自收到决定书之日起六个月内向清河区人民法院提起行政诉讼。"

# (short, name, categories, departments, laws cited in post duties)
BODIES = [
    ("市场监管局", "江川市市场监督管理局", ["SC", "SP"],
     ["办公室", "法制科", "综合执法科", "食品安全监督管理科", "特种设备安全监察科"],
     "《中华人民共和国行政处罚法》《中华人民共和国食品安全法》《中华人民共和国产品质量法》"),
    ("生态环境局", "江川市生态环境局", ["HJ"], ["办公室", "法制科", "生态环境保护综合行政执法支队"],
     "《中华人民共和国行政处罚法》《中华人民共和国环境保护法》《中华人民共和国大气污染防治法》"),
    ("水利局", "江川市水利局", ["SL"], ["办公室", "法制科", "水政监察大队"],
     "《中华人民共和国行政处罚法》《中华人民共和国水法》《中华人民共和国防洪法》"),
    ("卫生健康委", "江川市卫生健康委员会", ["WS"], ["办公室", "法制科", "卫生健康综合监督科"],
     "《中华人民共和国行政处罚法》《中华人民共和国基本医疗卫生与健康促进法》《中华人民共和国传染病防治法》"),
    ("城管执法局", "江川市城市管理综合行政执法局", ["CG"], ["办公室", "法制科", "市容环境执法大队"],
     "《中华人民共和国行政处罚法》《城市市容和环境卫生管理条例》《城镇排水与污水处理条例》"),
]

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾萧田董潘袁蔡蒋余于杜叶程魏苏吕丁任沈姚卢"
GIVEN = ["伟", "芳", "娜", "敏", "静", "磊", "强", "洋", "艳", "勇", "军", "杰", "娟", "涛", "明", "超", "秀英", "霞",
         "平", "刚", "桂英", "建华", "晓东", "文博", "海燕", "志强", "丽华", "国平", "春梅", "俊杰", "雪梅", "立新",
         "宏伟", "晓红", "振华", "玉兰", "子涵", "思远", "雨桐", "浩然", "欣怡", "建国", "卫东", "红梅", "家豪"]


def _names(rng: random.Random, count: int) -> list[str]:
    seen, names = set(), []
    while len(names) < count:
        name = rng.choice(SURNAMES) + rng.choice(GIVEN)
        if name not in seen:
            seen.add(name)
            names.append(name)
    return names


def _users_and_groups():
    User = get_user_model()
    groups = {name: Group.objects.get_or_create(name=name)[0] for name in ROLE_GROUPS}
    admin = User.objects.filter(username="admin").first()
    if admin is None:
        admin = User.objects.create_superuser("admin", "admin@jiangchuan.example.cn", PASSWORD,
                                              display_name="系统管理员")
    admin.groups.add(groups["系统管理员"])
    return admin, groups


def load(*, stdout=None) -> None:
    def say(msg: str) -> None:
        if stdout is not None:
            stdout.write(msg)

    rng = random.Random(2026)
    today = timezone.localdate()
    with transaction.atomic():
        admin, groups = _users_and_groups()
        actor = admin

        province = services.region_create(code=PROVINCE[0], name=PROVINCE[1], level="province", actor=actor)
        city = services.region_create(code=CITY[0], name=CITY[1], level="city", parent=province, actor=actor)
        districts = [services.region_create(code=c, name=n, level="county", parent=city, actor=actor)
                     for c, n in DISTRICTS]
        categories = {code: services.category_create(code=code, name=name, actor=actor)
                      for code, name in CATEGORIES}
        say(f"  区划 {2 + len(districts)} 个，执法类别 {len(categories)} 个")

        justice = services.agency_register(
            name="江川市司法局", short_name="市司法局", credit_code=make_credit_code(CITY[0], 10000), region=city,
            is_justice_bureau=True, address="江川市清河区人民路1号", phone="0799-12348",
            supervision_channel="12345政务服务便民热线；江川市司法局行政执法协调监督科",
            duties="承担行政执法协调监督工作，负责行政执法证件的审核发放与管理。", actor=actor)
        justice_depts = [services.department_create(agency=justice, name=n, is_legal_review_body=(n == "法制科"),
                                                    actor=actor)
                         for n in ("办公室", "法制科", "行政执法协调监督科")]

        names = _names(rng, 62)
        serial = 0
        bodies = []
        for index, (short, name, cats, dept_names, laws) in enumerate(BODIES, start=1):
            agency = services.agency_register(
                name=name, short_name=short, credit_code=make_credit_code(CITY[0], 10000 + index), region=city,
                supervising_bureau=justice, address=f"江川市清河区政务中心{index}号楼",
                phone=f"0799-8{index}00{index}000", supervision_channel="12345政务服务便民热线；江川市司法局投诉电话0799-12348",
                remedies=REMEDIES, duties=f"依法履行本系统行政执法职责，执法依据包括{laws}等。", actor=actor)
            depts = {n: services.department_create(agency=agency, name=n, is_legal_review_body=(n == "法制科"),
                                                   actor=actor) for n in dept_names}
            posts = {
                "执法岗": services.post_create(agency=agency, name="行政执法岗",
                                               duties=f"依据{laws}开展监督检查、调查取证，提出处理意见。",
                                               actor=actor),
                "审核岗": services.post_create(agency=agency, department=depts["法制科"], name="法制审核岗",
                                               duties="对重大行政执法决定进行法制审核，出具审核意见。", actor=actor),
                "负责人": services.post_create(agency=agency, name="机关负责人岗",
                                               duties="审批行政执法决定，主持集体讨论。", actor=actor),
            }
            bodies.append((agency, depts, posts, cats))

        officers = []  # (officer, agency, cats)
        people = iter(names)
        for agency, depts, posts, cats in bodies:
            dept_list = list(depts.values())
            for i in range(11):
                serial += 1
                birth = dt.date(rng.randint(1966, 1998), rng.randint(1, 12), rng.randint(1, 28))
                district = rng.choice(DISTRICTS)[0]
                if i == 0:
                    dept, post = None, posts["负责人"]
                elif i in (1, 2):
                    dept, post = depts["法制科"], posts["审核岗"]
                else:
                    dept, post = dept_list[2 + i % (len(dept_list) - 2)], posts["执法岗"]
                officer = services.officer_register(
                    name=next(people), id_number=make_resident_id(district, birth, 100 + serial * 2 + i % 2),
                    agency=agency, department=dept, post=post, phone=f"1390799{serial:04d}",
                    legal_qualification_number=f"A2019{serial:07d}" if i in (1, 2) else "",
                    first_review_date=dt.date(2021, 9, 1) if i in (1, 2) else None, actor=actor)
                officers.append((officer, agency, cats))

        # Certificates. Most are valid for years; a few expire within 30 days, a few have expired,
        # one is suspended (A2 dynamic supervision).
        expiring = {3, 15, 27, 40}
        expired = {8, 33, 51}
        suspended_at = 20
        certs = []
        for n, (officer, agency, cats) in enumerate(officers):
            issued = today - dt.timedelta(days=rng.randint(200, 1500))
            if n in expiring:
                expires = today + dt.timedelta(days=5 + 6 * len(certs) % 24)
            elif n in expired:
                issued = today - dt.timedelta(days=5 * 365 + 30)
                expires = today - dt.timedelta(days=10 + n % 20)
            else:
                expires = issued + dt.timedelta(days=5 * 365)
                if expires <= today + dt.timedelta(days=45):
                    expires = today + dt.timedelta(days=400 + n)
            cert = services.certificate_issue(
                holder=officer, number=f"39010{agency.pk % 100:02d}{n + 1:04d}", issued_on=issued,
                expires_on=expires,
                categories=[categories[c] for c in cats], regions=[city], issuer="江川市人民政府", actor=actor)
            certs.append(cert)
        services.certificate_suspend(certificate=certs[suspended_at],
                                     reason="涉嫌违法违纪正在接受调查，依规暂扣行政执法证件", actor=actor)

        # Justice bureau staff: supervision certificates (监督证).
        supervisors = []
        for i in range(5):
            serial += 1
            birth = dt.date(rng.randint(1970, 1995), rng.randint(1, 12), rng.randint(1, 28))
            officer = services.officer_register(
                name=next(people), id_number=make_resident_id("390102", birth, 500 + serial),
                agency=justice, department=justice_depts[2], phone=f"1390799{serial:04d}", actor=actor)
            issued = today - dt.timedelta(days=rng.randint(100, 900))
            services.certificate_issue(
                holder=officer, kind=Certificate.Kind.SUPERVISION, number=f"JD390100{i + 1:04d}", issued_on=issued,
                expires_on=issued + dt.timedelta(days=5 * 365), categories=[], regions=[city],
                issuer="江南省司法厅", actor=actor)
            supervisors.append(officer)

        for officer, _, _ in officers + [(s, justice, []) for s in supervisors]:
            score = rng.randint(68, 98)
            services.training_record_add(
                officer=officer, title=f"{today.year - 1}年度行政执法人员公共法律知识培训及考试",
                held_on=dt.date(today.year - 1, 6, 18), hours=40, exam_score=score, passed=score >= 60,
                actor=actor)

        entrusted_example(actor=actor)

        # Past-expiry certificates become 过期, as the nightly job would do.
        services.certificates_expire_due(today=today, actor=None)

        # One login per role, tied to the market regulation bureau (and the justice bureau).
        market_agency, market_depts, market_posts, _ = bodies[0]
        market_officers = [o for o, a, _ in officers if a.pk == market_agency.pk]
        User = get_user_model()

        def user(username, group, *, officer=None, agency=None, region=None, staff=False):
            u = User.objects.create_user(username, f"{username}@jiangchuan.example.cn", PASSWORD,
                                         display_name=officer.name if officer else username,
                                         officer=officer, agency=agency, supervised_region=region, is_staff=staff)
            u.groups.add(groups[group])
            return u

        user("officer", "执法人员", officer=market_officers[3], agency=market_agency)
        user("reviewer", "法制审核人员", officer=market_officers[1], agency=market_agency)
        user("head", "机关负责人", officer=market_officers[0], agency=market_agency)
        user("publicity", "公示管理员", agency=market_agency)
        user("archivist", "档案管理员", agency=market_agency)
        user("supervisor", "监督人员", officer=supervisors[0], agency=justice, region=city)
        admin.agency = justice
        admin.save(update_fields=["agency"])

    say(f"  执法主体 {Agency.objects.count()} 个，执法人员 {len(officers) + len(supervisors)} 名，"
        f"证件 {Certificate.objects.count()} 张")


def entrusted_example(*, actor=None):
    """An entrusted body (受委托组织, PEN-04) with its 委托书."""
    water = Agency.objects.get(name="江川市水利局")
    today = timezone.localdate()
    return services.agency_register(
        name="江川市临江县水政监察站", credit_code=make_credit_code("390121", 20001, dept="1", kind="2"),
        region=water.region, kind=Agency.Kind.ENTRUSTED_ORG, entrusting_agency=water,
        entrustment_scope="受江川市水利局委托，在临江县范围内实施河道采砂管理的监督检查和行政处罚。",
        entrustment_document="江水政委〔2025〕3号", entrustment_start=today - dt.timedelta(days=200),
        entrustment_end=today + dt.timedelta(days=530), actor=actor)
