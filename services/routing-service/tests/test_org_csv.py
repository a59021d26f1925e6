import csv
import io

from routing_service.commands import orgs
from routing_service.config import Settings

HEADER = "code,qd20_code,name,short_name,tier,parent_code,address,phone,email,website,active,external"


async def upload(routing, text, *, as_file=False, encoding="utf-8"):
    data = text.encode(encoding) if isinstance(text, str) else text
    if as_file:
        return await routing.client.post(
            "/api/v1/orgs/import", files={"file": ("danh-ba.csv", data, "text/csv")}
        )
    return await routing.client.post(
        "/api/v1/orgs/import", content=data, headers={"content-type": "text/csv"}
    )


async def all_orgs(routing):
    response = await routing.client.get("/api/v1/orgs", params={"limit": 1000})
    return {o["code"]: o for o in response.json()}


def rows_of(content: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"), newline="")))


async def test_export_is_excel_friendly_and_reimporting_it_changes_nothing(routing):
    assert await routing.seed("small") == 8
    province = (await routing.client.get("/api/v1/orgs/by-code/000.00.00.H42")).json()
    await routing.client.patch(
        f"/api/v1/orgs/{province['id']}",
        json={
            "address": '18 đường Lê Hồng Phong, "Đông Thành", Ninh Bình',
            "phone": "+84 229 3871 105",
            "email": "vanthu@ninhbinh.gov.vn",
        },
    )
    await routing.create("28.22.H17", '=HYPERLINK("http://x")', "commune", short_name="-UBND")
    await routing.settled(10)

    exported = await routing.client.get("/api/v1/orgs/export.csv")
    assert exported.status_code == 200
    assert exported.headers["content-type"] == "text/csv; charset=utf-8"
    assert "attachment" in exported.headers["content-disposition"]
    assert exported.content.startswith(b"\xef\xbb\xbf" + HEADER.encode() + b"\r\n")
    rows = rows_of(exported.content)
    assert len(rows) == 9
    codes = [r["code"] for r in rows]
    for row in rows:  # parents before their children
        if row["parent_code"]:
            assert codes.index(row["parent_code"]) < codes.index(row["code"])
    by_code = {r["code"]: r for r in rows}
    assert by_code["000.00.00.H42"]["phone"] == "'+84 229 3871 105"  # never run as a formula
    assert by_code["000.28.22.H17"]["name"].startswith("'=")
    assert by_code["000.02.15.H42"]["parent_code"] == "000.00.15.H42"
    assert by_code["000.00.00.G22"]["external"] == "true"

    before = await all_orgs(routing)
    for as_file in (False, True):
        response = await upload(routing, exported.content, as_file=as_file)
        assert response.status_code == 200, response.text
        assert response.json() == {"created": 0, "updated": 0, "unchanged": 9}
    assert await all_orgs(routing) == before
    assert before["000.00.00.H42"]["phone"] == "+84 229 3871 105"
    await routing.settled(10)


async def test_import_creates_and_updates_parents_first_and_announces_each_change(routing):
    await routing.seed("small")
    await routing.settled(8)
    text = "\n".join(
        [
            "Tên gọi khác;code;name;tier;parent_code;short_name;email".replace("Tên gọi khác;", ""),
            # a commune before its district, which comes later in the same file
            "000.01.16.H42;Ủy ban nhân dân thị trấn Yên Thịnh;xã;000.00.16.H42;UBND;",
            "000.00.16.H42;Ủy ban nhân dân huyện Yên Mô;Huyện;000.00.00.H42;UBND;vanthu@yenmo.ninhbinh.gov.vn",
            "00.03.H42;Sở Tài chính tỉnh Ninh Bình;tỉnh;000.00.00.H42;STC;stc@ninhbinh.gov.vn",
            ";;;;;",
        ]
    )
    response = await upload(routing, text)
    assert response.status_code == 200, response.text
    assert response.json() == {"created": 2, "updated": 1, "unchanged": 0}
    orgs = await all_orgs(routing)
    assert orgs["000.01.16.H42"]["parent_id"] == orgs["000.00.16.H42"]["id"]
    assert orgs["000.00.16.H42"]["tier"] == "district"
    assert orgs["000.01.16.H42"]["tier"] == "commune"
    assert orgs["000.00.03.H42"]["email"] == "stc@ninhbinh.gov.vn"
    assert orgs["000.00.03.H42"]["code_raw"] == "00.03.H42"
    await routing.settled(11)
    created = routing.events("created")[8:]
    assert [e["code"] for e in created] == ["000.00.16.H42", "000.01.16.H42"]
    [updated] = routing.events("updated")
    assert updated["code"] == "000.00.03.H42"
    found = await routing.client.get("/api/v1/orgs", params={"q": "yen thinh"})
    assert [o["code"] for o in found.json()] == ["000.01.16.H42"]


async def test_one_bad_row_rejects_the_whole_file_with_a_report(routing):
    await routing.seed("small")
    await routing.settled(8)
    before = await all_orgs(routing)
    text = "\ufeff" + "\r\n".join(
        [
            HEADER,
            "000.00.16.H42,,Ủy ban nhân dân huyện Yên Mô,UBND,district,000.00.00.H42,,,,,true,false",
            "000.00.16.H42,,Trùng mã,,district,000.00.00.H42,,,,,,",
            "H42,,Mã sai,,province,,,,,,,",
            "000.00.17.H42,,,,quận,,,,,,,",
            "000.00.18.H42,,Sở X,,province,000.00.00.H42,,0229,vanthu@,www.x.vn,có lẽ,",
            "000.00.19.H42,G22,Sở Y,,province,000.00.19.H42,,,,,,",
            "000.00.20.H42,,Sở Z,,province,000.00.15.H42,,,,,,",
            "000.00.21.H42,,Quá nhiều ô,,province,,,,,,,,thừa",
        ]
    )
    response = await upload(routing, text, as_file=True)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"].endswith("/import-rejected")
    assert problem["detail"].endswith("nothing was imported")
    report = [(e["row"], e["column"]) for e in problem["errors"]]
    assert report == [
        (3, "code"),  # the same code as row 2
        (4, "code"),
        (5, "name"),
        (5, "tier"),
        (6, "phone"),  # a row with bad cells is not checked against the tree until they are fixed
        (6, "email"),
        (6, "website"),
        (6, "active"),
        (7, "qd20_code"),
        (7, "parent_code"),
        (8, "parent_code"),
        (9, None),
    ]
    messages = {(e["row"], e["column"]): e["message"] for e in problem["errors"]}
    assert messages[(3, "code")] == "000.00.16.H42 already appears on row 2"
    assert "like 000.00.00.H42" in messages[(4, "code")]
    assert messages[(5, "name")] == "is required"
    assert "commune" in messages[(5, "tier")]
    assert (
        messages[(7, "qd20_code")] == "QĐ 20 code G22 is already used by Văn phòng Chính phủ (000.00.00.G22)"
    )
    assert "https://" in messages[(6, "website")]
    assert messages[(7, "parent_code")] == "an agency cannot be its own parent"
    assert (
        "under Ủy ban nhân dân huyện Kim Sơn (000.00.15.H42), which is district-tier"
        in messages[(8, "parent_code")]
    )
    assert "13 cells" in messages[(9, None)]
    assert await all_orgs(routing) == before
    await routing.settled(8)


async def test_cycles_and_taken_codes_across_file_and_directory_are_refused(routing):
    await routing.seed("small")
    province = (await routing.client.get("/api/v1/orgs/by-code/000.00.00.H42")).json()
    assert province["qd20_code"] == "H42"
    cycle = "\n".join(
        [
            "code,name,tier,parent_code,qd20_code",
            "000.00.00.H42,Ủy ban nhân dân tỉnh Ninh Bình,province,000.00.15.H42,H42",
            "000.00.03.H42,Sở Tài chính tỉnh Ninh Bình,province,000.00.00.H42,G22",
            "000.00.04.H42,Sở Kế hoạch và Đầu tư tỉnh Ninh Bình,province,000.00.00.H42,X1",
            "000.00.05.H42,Sở Tư pháp tỉnh Ninh Bình,province,000.00.00.H42,X1",
        ]
    )
    response = await upload(routing, cycle)
    assert response.status_code == 422
    errors = {(e["row"], e["column"]): e["message"] for e in response.json()["errors"]}
    assert errors[(2, "parent_code")] == (
        "this would place the agency inside its own subtree: Ủy ban nhân dân tỉnh Ninh Bình (000.00.00.H42) → "
        "Ủy ban nhân dân huyện Kim Sơn (000.00.15.H42) → Ủy ban nhân dân tỉnh Ninh Bình (000.00.00.H42)"
    )
    assert errors[(3, "qd20_code")] == "QĐ 20 code G22 is already used by Văn phòng Chính phủ (000.00.00.G22)"
    assert errors[(5, "qd20_code")] == "QĐ 20 code X1 already appears on row 4"
    unknown = await upload(routing, "code,name,tier,parent_code\n000.00.18.H42,Sở X,province,000.99.99.H42\n")
    assert unknown.json()["errors"] == [
        {
            "row": 2,
            "column": "parent_code",
            "message": "no agency with code 000.99.99.H42 in the directory or in this file",
        }
    ]


async def test_qd20_codes_may_change_hands_within_one_file(routing):
    await routing.seed("small")
    await routing.settled(8)
    swap = "\n".join(
        [
            "code,name,tier,parent_code,qd20_code,external",
            "000.00.00.H42,Ủy ban nhân dân tỉnh Ninh Bình,province,,G22,",
            "000.00.00.G22,Văn phòng Chính phủ,central,,H42,true",
        ]
    )
    response = await upload(routing, swap)
    assert response.status_code == 200, response.text
    assert response.json() == {"created": 0, "updated": 2, "unchanged": 0}
    orgs = await all_orgs(routing)
    assert (orgs["000.00.00.H42"]["qd20_code"], orgs["000.00.00.G22"]["qd20_code"]) == ("G22", "H42")
    await routing.settled(10)
    assert {e["qd20_code"] for e in routing.events("updated")} == {"G22", "H42"}


async def test_unreadable_uploads_are_refused_as_problems(routing):
    big = HEADER + "\n" + ("000.00.00.H42,,x,,province,,,,,,,\n" * 200_000)
    too_large = await upload(routing, big)
    assert too_large.status_code == 413
    assert too_large.json()["type"].endswith("/upload-too-large")
    assert (await upload(routing, big, as_file=True)).status_code == 413

    wrong_type = await routing.client.post("/api/v1/orgs/import", json={"code": "000.00.00.H42"})
    assert wrong_type.status_code == 415
    no_file = await routing.client.post("/api/v1/orgs/import", files={"csv": ("a.csv", b"code", "text/csv")})
    assert no_file.status_code == 415

    windows = await upload(
        routing, "code,name,tier\n000.00.00.H42,Ủy ban nhân dân tỉnh,province\n", encoding="utf-16"
    )
    assert windows.status_code == 422
    assert "CSV UTF-8" in windows.json()["errors"][0]["message"]

    for text, column, message in (
        ("", None, "the file is empty: expected a header row"),
        ("code,name,tier\n", None, "the file has a header but no agencies"),
        ("code,name\n000.00.00.H42,UBND\n", "tier", "required column is missing from the header"),
        ("code,name,tier,vùng\n", "vùng", "unknown column 'vùng'"),
    ):
        response = await upload(routing, text)
        assert response.status_code == 422, text
        [error] = response.json()["errors"]
        assert error["column"] == column
        assert error["message"].startswith(message)
    assert await all_orgs(routing) == {}


async def test_openapi_documents_the_upload_and_the_problems(routing):
    spec = (await routing.client.get("/openapi.json")).json()
    imported = spec["paths"]["/api/v1/orgs/import"]["post"]
    assert set(imported["requestBody"]["content"]) == {"multipart/form-data", "text/csv"}
    assert {"200", "413", "415", "422"} <= set(imported["responses"])
    assert "text/csv" in spec["paths"]["/api/v1/orgs/export.csv"]["get"]["responses"]["200"]["content"]
    patch = spec["paths"]["/api/v1/orgs/{org_id}"]["patch"]
    assert "409" in patch["responses"]
    assert "404" in patch["responses"]
    assert "/api/v1/orgs/{org_id}/groups/{group_id}/members" in spec["paths"]


async def test_the_operator_imports_and_seeds_from_the_command_line(routing, tmp_path, capsys):
    """A new installation's first agencies arrive before anyone can sign in: `routing_service orgs`."""
    settings = Settings(database_url=routing.running.database_url, env="test")
    directory = tmp_path / "danh-ba.csv"
    directory.write_text(
        "code,name,tier\n000.00.01.H42,Văn phòng Ủy ban nhân dân tỉnh Ninh Bình,province\n", encoding="utf-8"
    )
    assert await orgs(settings, ["import", str(directory)]) == 0
    assert '"created":1' in capsys.readouterr().out
    assert await orgs(settings, ["import", str(directory)]) == 0
    assert '"unchanged":1' in capsys.readouterr().out
    await routing.settled(1)  # announced by the service's relay, like any other change
    assert (await all_orgs(routing))["000.00.01.H42"]["tier"] == "province"

    directory.write_text("code,name,tier\nH42,Mã sai,province\n", encoding="utf-8")
    assert await orgs(settings, ["import", str(directory)]) == 1
    assert "nothing was imported" in capsys.readouterr().out
    assert await orgs(settings, ["seed", "small"]) == 0
    assert len(await all_orgs(routing)) == 8  # the office was one of the demo agencies already
    production = Settings(database_url=routing.running.database_url, env="production")
    assert await orgs(production, ["seed", "small"]) == 1
