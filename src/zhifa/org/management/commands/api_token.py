"""`zhifa api-token create --name 省监督平台 --scopes org:read,org:write [--agency <信用代码>]`
and `zhifa api-token revoke --prefix zf_xxxxxxx`."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from zhifa.core.errors import DomainError
from zhifa.org.models import Agency, ApiToken
from zhifa.org.services import api_token_create, api_token_revoke


class Command(BaseCommand):
    help = "创建或吊销接口令牌（令牌明文只显示一次，数据库只保存其 SHA-256）。"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="创建令牌")
        create.add_argument("--name", required=True, help="令牌名称，如对接系统的名称")
        create.add_argument("--scopes", required=True, help="逗号分隔，如 org:read,org:write")
        create.add_argument("--agency", default="", help="限定所属执法主体（统一社会信用代码）")
        create.add_argument("--user", default="", help="负责此令牌的用户名：经此令牌的写操作记在该用户名下")
        revoke = sub.add_parser("revoke", help="吊销令牌")
        revoke.add_argument("--prefix", required=True, help="令牌前缀（创建时显示）")

    def handle(self, *args, action, **opts):
        try:
            if action == "create":
                agency = None
                if opts["agency"]:
                    agency = Agency.objects.filter(credit_code=opts["agency"].strip().upper()).first()
                    if agency is None:
                        raise CommandError(f"未找到统一社会信用代码为 {opts['agency']} 的执法主体。")
                actor = None
                if opts["user"]:
                    actor = get_user_model().objects.filter(username=opts["user"]).first()
                    if actor is None:
                        raise CommandError(f"未找到用户 {opts['user']}。")
                token, plaintext = api_token_create(name=opts["name"], agency=agency,
                                                    scopes=opts["scopes"].split(","), actor=actor)
                self.stdout.write(f"已创建令牌“{token.name}”，权限范围：{','.join(token.scopes)}。")
                self.stdout.write("令牌（只显示这一次，请妥善保存）：")
                self.stdout.write(plaintext)
            else:
                token = ApiToken.objects.filter(prefix=opts["prefix"]).first()
                if token is None:
                    raise CommandError(f"未找到前缀为 {opts['prefix']} 的令牌。")
                api_token_revoke(token=token, actor=None)
                self.stdout.write(f"已吊销令牌“{token.name}”。")
        except DomainError as exc:
            raise CommandError(exc.message) from None
