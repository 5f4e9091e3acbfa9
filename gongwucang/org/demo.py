"""Demo region, part 1: the town of 青山镇, its 12 units, departments, people and every role."""

from __future__ import annotations

from functools import cache

from django.contrib.auth.hashers import make_password

from gongwucang.core.demo import DEMO_PASSWORD, DEMO_REGION_CODE, DemoContext

from .domain.credit_code import ALPHABET, check_character
from .domain.roles import Role
from .models import Region, UnitKind, User
from .services import department_create, membership_grant, unit_create

ORDER = 10

A, P = UnitKind.ADMINISTRATIVE, UnitKind.PUBLIC_INSTITUTION
# code, name, short name, kind, supervising unit code, departments
UNITS: list[tuple[str, str, str, str, str | None, list[str]]] = [
    ("QSZF", "青山镇人民政府", "镇政府", A, None, ["党政办公室", "综合治理办公室"]),
    ("QSCZ", "青山镇财政所", "财政所", A, "QSZF", ["预算股", "国库股", "资产管理股"]),
    ("QSJG", "青山镇机关事务服务中心", "机关事务中心", P, "QSZF", ["公物仓管理科", "后勤保障科"]),
    ("QSDZ", "青山镇党政综合办公室", "党政办", A, "QSZF", ["文秘组", "信息组", "档案室"]),
    ("QSJJ", "青山镇经济发展办公室", "经发办", A, "QSZF", ["招商组", "统计组"]),
    ("QSSH", "青山镇社会事务办公室", "社事办", A, "QSZF", ["民政组", "教育卫生组"]),
    ("QSNY", "青山镇农业综合服务中心", "农服中心", P, "QSJJ", ["农技站", "农机站"]),
    ("QSXX", "青山镇中心小学", "中心小学", P, "QSSH", ["教务处", "总务处", "信息中心"]),
    ("QSZX", "青山镇初级中学", "初级中学", P, "QSSH", ["教务处", "总务处", "实验室"]),
    ("QSWS", "青山镇卫生院", "卫生院", P, "QSSH", ["门诊部", "药剂科", "办公室"]),
    ("QSWH", "青山镇文化体育服务站", "文体站", P, "QSSH", ["文化组", "体育组"]),
    ("QSZZ", "青山镇综合行政执法队", "执法队", A, "QSZF", ["执法一中队", "执法二中队"]),
]

# The people a visitor logs in as (username, what they see), printed by `make demo`.
DEMO_PERSONAS: list[tuple[str, str]] = [
    ("clerk", "资产管理员 · 党政办（登记、编辑本单位资产，申请入仓/申领）"),
    ("head", "单位负责人 · 党政办（审批本单位申请）"),
    ("clerk_school", "资产管理员 · 中心小学"),
    ("clerk_qszf", "资产管理员 · 镇政府（虚拟仓挂牌单位：本单位挂牌物品）"),
    ("keeper2", "仓管员 · 机关事务中心（第二名仓管员）"),
    ("supervisor", "主管部门审批人 · 社事办（可见下属学校、卫生院、文体站）"),
    ("finance", "财政 · 财政所（全镇只读，审批大额申请，结账）"),
    ("keeper", "仓管员 · 机关事务中心（公物仓收货、出仓）"),
    ("auditor", "审计（全镇只读，不能修改任何数据）"),
    ("admin", "系统管理员（单位、人员、角色、分类、审批流配置）"),
]

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程魏苏吕丁任沈"
)
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国志文斌辉鹏宇浩晨欣怡子涵梓轩"


def _credit_code(ctx: DemoContext, kind: str) -> str:
    # 1 = 机构编制 (registration authority), 1/2 = 机关/事业单位, 330182 = the demo county.
    body = ("11" if kind == A else "12") + "330182" + "".join(ctx.rng.choice(ALPHABET) for _ in range(9))
    return body + check_character(body)


def _person_name(ctx: DemoContext) -> str:
    return ctx.rng.choice(SURNAMES) + "".join(ctx.rng.choice(GIVEN) for _ in range(ctx.rng.choice((1, 2))))


@cache
def _demo_password_hash() -> str:
    return make_password(DEMO_PASSWORD)  # hashed once: hashing is slow on purpose


def _user(ctx: DemoContext, username: str, unit, role: str | None, *, login: bool = True, **extra) -> User:  # type: ignore[no-untyped-def]
    user = User(
        username=username, full_name=extra.pop("full_name", None) or _person_name(ctx), unit=unit, **extra
    )
    if login:
        user.password = _demo_password_hash()
    else:
        user.set_unusable_password()
    user.save()
    if role:
        membership_grant(user=user, unit=unit, role=role)
    ctx.users[username] = user
    return user


def seed(ctx: DemoContext) -> None:
    ctx.region = Region.objects.create(code=DEMO_REGION_CODE, name="青山镇")
    for code, name, short, kind, parent, departments in UNITS:
        unit = unit_create(
            region=ctx.region,
            code=code,
            name=name,
            short_name=short,
            kind=kind,
            supervising_unit=ctx.units.get(parent) if parent else None,
            credit_code=_credit_code(ctx, kind),
            is_finance_office=(code == "QSCZ"),
        )
        ctx.units[code] = unit
        for dept_name in departments:
            department_create(unit=unit, name=dept_name)
        # Every unit has a clerk and a head; staff who hold assets but do not log in.
        lower = code.lower()
        _user(ctx, f"clerk_{lower}", unit, Role.ASSET_CLERK)
        _user(ctx, f"head_{lower}", unit, Role.UNIT_HEAD)
        for i in range(ctx.rng.randint(4, 9)):
            dept = unit.departments.order_by("id")[i % len(departments)]
            _user(ctx, f"staff_{lower}_{i + 1:02d}", unit, None, login=False, department=dept)

    u = ctx.units
    _user(ctx, "clerk", u["QSDZ"], Role.ASSET_CLERK, full_name="李静")
    _user(ctx, "head", u["QSDZ"], Role.UNIT_HEAD, full_name="王建国")
    _user(ctx, "clerk_school", u["QSXX"], Role.ASSET_CLERK, full_name="陈晓梅")
    _user(ctx, "supervisor", u["QSSH"], Role.SUPERVISOR, full_name="赵志强")
    _user(ctx, "finance", u["QSCZ"], Role.FINANCE, full_name="孙丽华")
    _user(ctx, "keeper", u["QSJG"], Role.KEEPER, full_name="周磊")
    _user(ctx, "auditor", u["QSCZ"], Role.AUDITOR, full_name="吴敏")
    admin = _user(
        ctx, "admin", u["QSCZ"], Role.ADMIN, full_name="系统管理员", is_staff=True, is_superuser=True
    )
    # The town's supervising approvers for its own offices, and a second keeper.
    _user(ctx, "supervisor_zf", u["QSZF"], Role.SUPERVISOR, full_name="郑卫东")
    _user(ctx, "keeper2", u["QSJG"], Role.KEEPER, full_name="冯刚")
    membership_grant(user=admin, unit=u["QSJG"], role=Role.ADMIN)
