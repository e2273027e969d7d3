import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook, load_workbook

from zhifa.catalog import importer
from zhifa.catalog.models import BenchmarkTier, LegalBasis, Matter
from zhifa.core.errors import DomainError
from zhifa.ledger.models import Entry

pytestmark = pytest.mark.django_db


def workbook(path, agency_name, *, bad_penalty=False, bad_tier=False):
    wb = Workbook()
    ws = wb.active
    ws.title = importer.SHEET_BASES
    ws.append([c for c, _ in importer.BASIS_COLUMNS])
    ws.append(["B1", "法律", "中华人民共和国食品安全法", "全国人民代表大会常务委员会", "2021-04-29", "2021-04-29",
               "第一百二十二条", "第一款", "……并处五万元以上十万元以下罚款……"])
    ws.append(["B2", "法律", "中华人民共和国食品安全法", "全国人民代表大会常务委员会", "2021-04-29", "",
               "第三十五条", "第一款", "国家对食品生产经营实行许可制度。"])
    wm = wb.create_sheet(importer.SHEET_MATTERS)
    header = [c for c, _ in importer.MATTER_COLUMNS]
    wm.append(header)

    def row(**kw):
        values = {"code": "", "name": "", "kind": "", "agency": agency_name}
        values.update(kw)
        wm.append([values.get(f, "") for _, f in importer.MATTER_COLUMNS])

    row(code="IMP-1", name="食品经营许可", kind="行政许可", legal_bases="B2", flowchart="申请→受理→审查→决定",
        materials="申请书")
    row(code="IMP-2", name="未取得食品经营许可从事食品经营活动", kind="行政处罚", legal_bases="B1",
        violation="无证经营食品", penalty_types="罚款、没收违法所得", fine_min=50000, fine_max=100000)
    row(code="IMP-3", name="另一处罚", kind="行政处罚", legal_bases="B1", violation="某违法行为",
        penalty_types="罚款、坐牢" if bad_penalty else "罚款", fine_min=50000, fine_max=100000)
    wt = wb.create_sheet(importer.SHEET_TIERS)
    wt.append([c for c, _ in importer.TIER_COLUMNS])
    wt.append(["IMP-2", "从轻", "主动消除危害后果", "eliminated_harm", 50000, 65000])
    wt.append(["IMP-2", "一般", "一般情形", "", 65000, 150000 if bad_tier else 85000])
    wb.save(path)
    return path


def test_one_bad_row_imports_nothing_and_names_row_and_field(tmp_path, agency, admin_user):
    before = Entry.objects.count()
    path = workbook(tmp_path / "bad.xlsx", agency.name, bad_penalty=True)
    with pytest.raises(DomainError) as exc:
        importer.catalog_import(file=path, actor=admin_user)
    assert "工作表“执法事项”第4行“处罚种类”" in exc.value.message and "坐牢" in exc.value.message
    assert "执法事项!4!处罚种类" in exc.value.fields
    assert not LegalBasis.objects.exists() and not Matter.objects.exists() and not BenchmarkTier.objects.exists()
    assert Entry.objects.count() == before


def test_bad_tier_names_the_benchmark_sheet_row(tmp_path, agency, admin_user):
    path = workbook(tmp_path / "bad.xlsx", agency.name, bad_tier=True)
    with pytest.raises(DomainError) as exc:
        importer.catalog_import(file=path, actor=admin_user)
    assert "工作表“裁量基准”第3行" in exc.value.message and "REV-09" in exc.value.message
    assert not Matter.objects.exists()


def test_good_import_and_export_round_trip(tmp_path, agency, admin_user):
    counts = importer.catalog_import(file=workbook(tmp_path / "ok.xlsx", agency.name), actor=admin_user)
    assert counts == {"bases": 2, "matters": 3, "tiers": 2}
    m = Matter.objects.get(code="IMP-2")
    assert m.penalty_types == ["fine", "confiscate_gains"] and m.tiers.count() == 2
    assert [s["step"] for s in Matter.objects.get(code="IMP-1").flowchart] == ["申请", "受理", "审查", "决定"]
    out = tmp_path / "out.xlsx"
    assert importer.catalog_export(path_or_file=out)["matters"] == 3
    wb = load_workbook(out)
    assert wb[importer.SHEET_MATTERS].max_row == 4 and wb[importer.SHEET_TIERS].max_row == 3
    # re-importing the export updates the drafts in place, no duplicates
    assert importer.catalog_import(file=out, actor=admin_user)["matters"] == 3
    assert Matter.objects.count() == 3 and LegalBasis.objects.count() == 2


def test_command_reports_errors_and_imports(tmp_path, agency, admin_user, capsys):
    with pytest.raises(CommandError) as exc:
        call_command("catalog", "import", str(workbook(tmp_path / "bad.xlsx", agency.name, bad_penalty=True)))
    assert "第4行" in str(exc.value)
    call_command("catalog", "import", str(workbook(tmp_path / "ok.xlsx", agency.name)), "--user", admin_user.username)
    assert Matter.objects.count() == 3
    call_command("catalog", "export", str(tmp_path / "exp.xlsx"))
    assert (tmp_path / "exp.xlsx").exists()


def test_api_upload_rejects_non_xlsx(client, admin_user):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(admin_user)
    r = client.post("/api/v1/catalog/import", {"file": SimpleUploadedFile("x.xlsx", b"not a workbook")})
    assert r.status_code == 400 and r.json()["code"] == "import_unreadable"
