"""Whole-process records (执法全过程记录, R1–R9, REC-01..REC-11): evidence and audio-video items
attached to a case step, their annotations, withdrawals and (for records of automated monitoring
devices, PEN-15) reviews, notices to the party, the party's statements and the query log; upload
sessions, recording equipment, access requests and the access log, and archive packages.

Evidence, annotations, withdrawals, device-record reviews, notices, statements and queries, access
requests and decisions, the access log and archive packages are append-only (REC-03): a correction
is a new row; a mistaken upload is withdrawn with a reason and stays.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from zhifa.core.append_only import AppendOnlyModel
from zhifa.core.models import Confidentiality  # noqa: F401 -- shared with publicity (PEN-22)


class Evidence(AppendOnlyModel):
    """证据及音像记录 (PEN-21, REC-01..REC-03): one file kept once under its hash, numbered within
    the case, attached to a step (`act`, the procedure action code) and, once recorded, to its
    status row."""

    class Kind(models.TextChoices):
        PHOTO = "photo", "照片"
        AUDIO = "audio", "录音"
        VIDEO = "video", "录像"
        SCAN = "scan", "扫描件"
        DOCUMENT = "document", "电子文件"
        OTHER = "other", "其他"

    class EvidenceType(models.TextChoices):
        """行政处罚法 Art. 46 (PEN-21): the eight kinds of evidence."""

        DOCUMENTARY = "documentary", "书证"
        PHYSICAL = "physical", "物证"
        AUDIOVISUAL = "audiovisual", "视听资料"
        ELECTRONIC = "electronic", "电子数据"
        WITNESS = "witness", "证人证言"
        PARTY_STATEMENT = "party_statement", "当事人的陈述"
        EXPERT_OPINION = "expert_opinion", "鉴定意见"
        INSPECTION_RECORD = "inspection_record", "勘验笔录、现场笔录"

    AV_KINDS = (Kind.AUDIO, Kind.VIDEO)

    case = models.ForeignKey("cases.Case", verbose_name="案件", on_delete=models.PROTECT, related_name="evidence")
    number = models.PositiveIntegerField("证据编号", help_text="案件内依次编号（R5）。")
    act = models.CharField("执法环节", max_length=48, help_text="程序操作代码，如 seize、record_inspection。")
    status_entry = models.ForeignKey("cases.StatusEntry", verbose_name="状态记录", null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    kind = models.CharField("载体", max_length=16, choices=Kind.choices)
    evidence_type = models.CharField("证据种类", max_length=24, choices=EvidenceType.choices)
    lawful_acquisition = models.BooleanField("合法取得", default=True,
                                             help_text="以非法手段取得的证据不得作为认定案件事实的根据（PEN-21）。")
    title = models.CharField("名称", max_length=200)
    recorder = models.ForeignKey("org.Officer", verbose_name="记录人", null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    device = models.CharField("记录设备编号", max_length=64, blank=True, help_text="执法记录仪编号等（REC-03）。")
    monitoring_device = models.ForeignKey(
        "BodyCamera", verbose_name="电子技术监控设备", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+", help_text="电子技术监控设备的记录：须经审核方可作为行政处罚的证据（PEN-15）。")
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    ended_at = models.DateTimeField("结束时间", null=True, blank=True)
    place = models.CharField("地点", max_length=200, blank=True)
    latitude = models.DecimalField("纬度", max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField("经度", max_digits=9, decimal_places=6, null=True, blank=True)
    confidentiality = models.CharField("密级与敏感性", max_length=24, choices=Confidentiality.choices,
                                       default=Confidentiality.INTERNAL)
    file_name = models.CharField("原文件名", max_length=255)
    declared_type = models.CharField("申报类型", max_length=100)
    detected_type = models.CharField("检测类型", max_length=100)
    file = models.CharField("存储名", max_length=200)
    sha256 = models.CharField("SHA-256", max_length=64, db_index=True)
    sm3 = models.CharField("SM3", max_length=64)
    size = models.BigIntegerField("大小（字节）")
    duration_ms = models.BigIntegerField("时长（毫秒）", null=True, blank=True)
    media = models.JSONField("媒体信息", default=dict, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="上传人", null=True,
                                   on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        verbose_name = "证据及音像记录"
        verbose_name_plural = "证据及音像记录"
        ordering = ["case", "number"]
        constraints = [models.UniqueConstraint(fields=["case", "number"], name="evidence_number_per_case")]
        indexes = [models.Index(fields=["case", "act"])]

    def __str__(self) -> str:
        return f"证据{self.number}：{self.title}"

    @property
    def is_av(self) -> bool:
        return self.kind in self.AV_KINDS

    @property
    def is_device_record(self) -> bool:
        return self.monitoring_device_id is not None


class EvidenceWithdrawal(AppendOnlyModel):
    """撤回: a mistaken item is marked withdrawn with a reason; the item and its file stay (REC-03)."""

    evidence = models.OneToOneField(Evidence, verbose_name="证据", on_delete=models.PROTECT, related_name="withdrawal")
    reason = models.TextField("撤回理由")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="操作人", null=True, on_delete=models.PROTECT,
                              related_name="+")
    at = models.DateTimeField("撤回时间", auto_now_add=True)

    class Meta:
        verbose_name = "证据撤回记录"
        verbose_name_plural = "证据撤回记录"


class EvidenceAnnotation(AppendOnlyModel):
    """文字说明 (R5): what an item shows; for audio, who speaks and what is said. A later note
    supersedes the earlier one, which stays."""

    evidence = models.ForeignKey(Evidence, verbose_name="证据", on_delete=models.PROTECT, related_name="annotations")
    text = models.TextField("说明")
    speakers = models.JSONField("发言记录", default=list, blank=True,
                                help_text="[{\"speaker\": 谁, \"says\": 说了什么, \"at\": 时间点}]")
    supersedes = models.ForeignKey("self", verbose_name="取代", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="说明人", null=True, on_delete=models.PROTECT,
                              related_name="+")
    at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "证据说明"
        verbose_name_plural = "证据说明"
        ordering = ["evidence", "id"]


class DeviceRecordReview(AppendOnlyModel):
    """审核 of a record made by an automated monitoring device (行政处罚法 Art. 41, PEN-15): a person
    checks that the record is true, clear, complete and accurate. Until a review says it conforms,
    the record may not be relied on. A later review supersedes the earlier one, which stays."""

    evidence = models.ForeignKey(Evidence, verbose_name="证据", on_delete=models.PROTECT, related_name="device_reviews")
    conforms = models.BooleanField("符合要求", help_text="记录真实、清晰、完整、准确。")
    opinion = models.TextField("审核意见")
    supersedes = models.ForeignKey("self", verbose_name="取代", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="审核人", on_delete=models.PROTECT,
                                 related_name="+")
    at = models.DateTimeField("审核时间", auto_now_add=True)

    class Meta:
        verbose_name = "电子技术监控记录审核"
        verbose_name_plural = "电子技术监控记录审核"
        ordering = ["evidence", "id"]


class DeviceRecordNotice(AppendOnlyModel):
    """告知 of a monitoring-device record to the party (行政处罚法 Art. 41 para. 3, PEN-15: 及时告知当事人违法
    事实，并采取信息化手段或者其他措施，为当事人查询、陈述和申辩提供便利). Recorded after a conforming
    review, within the agency's working-day period (catalog setting `device_notice_working_days`).
    The content sent carries a random query code with which the party opens the record on the public
    page (/records/device-notice/) and makes a statement. A second notice (e.g. after the code was
    locked) is a new row with a new code; the earlier one stays."""

    class Method(models.TextChoices):
        SMS = "sms", "短信"
        MAIL = "mail", "邮寄"
        IN_PERSON = "in_person", "当面"
        ELECTRONIC = "electronic", "电子送达"
        OTHER = "other", "其他"

    evidence = models.ForeignKey(Evidence, verbose_name="证据", on_delete=models.PROTECT, related_name="notices")
    party = models.ForeignKey("cases.Party", verbose_name="当事人", on_delete=models.PROTECT, related_name="+")
    method = models.CharField("告知方式", max_length=16, choices=Method.choices)
    method_detail = models.CharField("送达地址或号码", max_length=200, blank=True,
                                     help_text="手机号码、邮寄地址、送达地点等；方式为“其他”时须说明。")
    notified_on = models.DateField("告知日期")
    officer = models.ForeignKey("org.Officer", verbose_name="告知人", on_delete=models.PROTECT, related_name="+")
    content = models.TextField("告知内容", help_text="发送给当事人的全文，含查询码。")
    query_code = models.CharField("查询码", max_length=16, unique=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="登记人", null=True,
                                   on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = "电子技术监控记录告知"
        verbose_name_plural = "电子技术监控记录告知"
        ordering = ["evidence", "id"]

    @property
    def query_code_display(self) -> str:
        c = self.query_code
        return "-".join(c[i:i + 4] for i in range(0, len(c), 4))


class DeviceRecordStatement(AppendOnlyModel):
    """陈述、申辩 the party made about a monitoring-device record on the public query page (PEN-15),
    shown to the officers on the case page and kept in the case file."""

    notice = models.ForeignKey(DeviceRecordNotice, verbose_name="告知", on_delete=models.PROTECT,
                               related_name="statements")
    text = models.TextField("陈述、申辩内容")
    contact = models.CharField("联系方式", max_length=100, blank=True)
    at = models.DateTimeField("提交时间", auto_now_add=True)

    class Meta:
        verbose_name = "当事人陈述、申辩（电子技术监控记录）"
        verbose_name_plural = "当事人陈述、申辩（电子技术监控记录）"
        ordering = ["notice", "id"]


class DeviceNoticeQuery(AppendOnlyModel):
    """Each try on the public query page, right or wrong: a query code locks after the agency's number
    of wrong identity numbers in a row (catalog setting `device_notice_wrong_tries`), and a client
    making too many wrong tries is turned away for an hour (ZHIFA_DEVICE_NOTICE_TRIES_PER_HOUR).
    `client` is a keyed hash of the address, not the address."""

    notice = models.ForeignKey(DeviceRecordNotice, verbose_name="告知", null=True, blank=True,
                               on_delete=models.PROTECT, related_name="+")
    succeeded = models.BooleanField("核验通过")
    client = models.CharField("来源（摘要）", max_length=64)
    at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "电子技术监控记录查询记录"
        verbose_name_plural = "电子技术监控记录查询记录"
        indexes = [models.Index(fields=["client", "at"]), models.Index(fields=["notice", "id"])]


class UploadSession(models.Model):
    """A resumable chunked upload (分片续传): chunks are appended to a spool file outside the store;
    `complete` streams it into the store as one evidence item. An abandoned session is purged with
    its spool file and leaves nothing in the store."""

    class Status(models.TextChoices):
        OPEN = "open", "上传中"
        COMPLETED = "completed", "已完成"
        ABANDONED = "abandoned", "已放弃"

    token = models.CharField("会话标识", max_length=64, unique=True)
    case = models.ForeignKey("cases.Case", verbose_name="案件", on_delete=models.CASCADE, related_name="+")
    metadata = models.JSONField("证据信息", default=dict)
    file_name = models.CharField("文件名", max_length=255)
    declared_type = models.CharField("申报类型", max_length=100)
    total_size = models.BigIntegerField("文件大小")
    received = models.BigIntegerField("已接收", default=0)
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.OPEN)
    evidence = models.ForeignKey(Evidence, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("最近上传", auto_now=True)

    class Meta:
        verbose_name = "分片上传会话"
        verbose_name_plural = "分片上传会话"


# --- equipment (R4) -----------------------------------------------------------------------------------


class BodyCamera(models.Model):
    """The register of recording devices (the class keeps its first name): 执法记录仪 (R4: at least
    one for every five officers) and 电子技术监控设备 (PEN-15, 行政处罚法 Art. 41), which must have
    passed 法制和技术审核 and have its location published before its records may be evidence."""

    class Kind(models.TextChoices):
        BODY_CAMERA = "body_camera", "执法记录仪"
        MONITORING = "monitoring", "电子技术监控设备"

    agency = models.ForeignKey("org.Agency", verbose_name="执法主体", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField("设备类别", max_length=16, choices=Kind.choices, default=Kind.BODY_CAMERA)
    number = models.CharField("设备编号", max_length=64)
    model_name = models.CharField("型号", max_length=100, blank=True)
    holder = models.ForeignKey("org.Officer", verbose_name="领用人", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+")
    in_service = models.BooleanField("在用", default=True)
    acquired_on = models.DateField("配备日期", null=True, blank=True)
    location = models.CharField("设置地点", max_length=200, blank=True, help_text="电子技术监控设备的设置地点（PEN-15）。")
    approval_ref = models.CharField("法制和技术审核文号", max_length=100, blank=True,
                                    help_text="电子技术监控设备经法制和技术审核的记录（PEN-15）。")
    approved_on = models.DateField("审核通过日期", null=True, blank=True)
    location_published_on = models.DateField("设置地点公布日期", null=True, blank=True)
    location_published_where = models.CharField("公布途径", max_length=200, blank=True,
                                                help_text="如门户网站栏目或网址（PEN-15）。")
    history = HistoricalRecords()

    class Meta:
        verbose_name = "执法记录设备"
        verbose_name_plural = "执法记录设备"
        ordering = ["agency", "number"]
        constraints = [models.UniqueConstraint(fields=["agency", "number"], name="body_camera_number_once")]

    def __str__(self) -> str:
        return self.number


class RecordingRoom(models.Model):
    """询问室、听证室 with audio-video (R4; REC-02: case-handling rooms are recorded in full)."""

    class Kind(models.TextChoices):
        INTERVIEW = "interview", "询问室"
        HEARING = "hearing", "听证室"
        OTHER = "other", "其他办案场所"

    agency = models.ForeignKey("org.Agency", verbose_name="执法主体", on_delete=models.PROTECT, related_name="+")
    name = models.CharField("名称", max_length=100)
    kind = models.CharField("类别", max_length=16, choices=Kind.choices)
    has_av = models.BooleanField("具备音像记录", default=True)
    in_service = models.BooleanField("在用", default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "音像记录场所"
        verbose_name_plural = "音像记录场所"
        ordering = ["agency", "name"]


# --- access supervision (R7, REC-05) --------------------------------------------------------------------


class AccessRequest(AppendOnlyModel):
    """调阅申请 by someone outside the case team, with a reason."""

    case = models.ForeignKey("cases.Case", verbose_name="案件", on_delete=models.PROTECT, related_name="+")
    requester = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="申请人", on_delete=models.PROTECT,
                                  related_name="+")
    reason = models.TextField("调阅理由")
    at = models.DateTimeField("申请时间", auto_now_add=True)

    class Meta:
        verbose_name = "调阅申请"
        verbose_name_plural = "调阅申请"
        ordering = ["-at"]


class AccessDecision(AppendOnlyModel):
    """批准或不批准 by the archivist or the agency head; an approval is valid for a time window."""

    request = models.OneToOneField(AccessRequest, verbose_name="调阅申请", on_delete=models.PROTECT,
                                   related_name="decision")
    approved = models.BooleanField("批准")
    valid_from = models.DateTimeField("有效期自", null=True, blank=True)
    valid_until = models.DateTimeField("有效期至", null=True, blank=True)
    note = models.TextField("意见", blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="审批人", on_delete=models.PROTECT,
                                   related_name="+")
    at = models.DateTimeField("审批时间", auto_now_add=True)

    class Meta:
        verbose_name = "调阅审批"
        verbose_name_plural = "调阅审批"


class AccessLog(AppendOnlyModel):
    """调阅记录: every view or download of an evidence item or an archived file, and every refusal."""

    class Action(models.TextChoices):
        VIEW = "view", "查看"
        DOWNLOAD = "download", "下载"
        LIST = "list", "查阅目录"

    class Basis(models.TextChoices):
        TEAM = "team", "承办人员"
        SUPERVISOR = "supervisor", "监督人员"
        AGENCY_ROLE = "agency_role", "本机关负责人或档案管理员"
        GRANT = "grant", "经批准调阅"
        REFUSED = "refused", "拒绝（未经批准）"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="调阅人", null=True, on_delete=models.PROTECT,
                             related_name="+")
    case = models.ForeignKey("cases.Case", verbose_name="案件", on_delete=models.PROTECT, related_name="+")
    evidence = models.ForeignKey(Evidence, verbose_name="证据", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    package = models.ForeignKey("ArchivePackage", verbose_name="档案", null=True, blank=True,
                                on_delete=models.PROTECT, related_name="+")
    action = models.CharField("操作", max_length=16, choices=Action.choices)
    basis = models.CharField("依据", max_length=16, choices=Basis.choices)
    grant = models.ForeignKey(AccessDecision, verbose_name="批准记录", null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+")
    reason = models.CharField("事由", max_length=300, blank=True)
    at = models.DateTimeField("时间", auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = "调阅记录"
        verbose_name_plural = "调阅记录"
        ordering = ["-at", "-id"]


# --- archive (R6, REC-04) ---------------------------------------------------------------------------------


class ArchiveCustodian(models.Model):
    """档案保管人 per agency (R6)."""

    agency = models.OneToOneField("org.Agency", verbose_name="执法主体", on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="保管人", on_delete=models.PROTECT,
                             related_name="+")
    location = models.CharField("保管地点", max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "档案保管人"
        verbose_name_plural = "档案保管人"


class ArchivePackage(AppendOnlyModel):
    """案卷归档包: a self-contained zip (documents, evidence list, status history, ledger proofs,
    manifest of hashes) kept once in the store. A rebuild is a new row."""

    case = models.ForeignKey("cases.Case", verbose_name="案件", on_delete=models.PROTECT, related_name="+")
    file = models.CharField("存储名", max_length=200)
    sha256 = models.CharField("SHA-256", max_length=64)
    sm3 = models.CharField("SM3", max_length=64)
    size = models.BigIntegerField("大小（字节）")
    manifest = models.JSONField("清单", default=dict)
    checks = models.JSONField("四性检测", default=dict)
    retention_years = models.PositiveIntegerField("保管期限（年）", null=True, blank=True,
                                                  help_text="空表示永久。")
    retain_until = models.DateField("保管至", null=True, blank=True)
    custodian = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="保管人", null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    built_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="归档人", null=True, on_delete=models.PROTECT,
                                 related_name="+")
    built_at = models.DateTimeField("归档时间", auto_now_add=True)

    class Meta:
        verbose_name = "案卷归档包"
        verbose_name_plural = "案卷归档包"
        ordering = ["case", "-built_at"]
