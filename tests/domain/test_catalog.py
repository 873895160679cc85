"""The procedure catalogue: the demo ward is complete and correct, a broken file is refused
with every problem located, and the kiosk search finds procedures without diacritics."""

from __future__ import annotations

import copy
import json
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from queue_server.domain.catalog import (
    Catalog,
    CatalogInvalid,
    ChannelKind,
    SearchIndex,
    TimeUnit,
    check_catalog,
    fold,
    parse_catalog,
    search,
)
from queue_server.services.catalog_files import DEMO_CATALOG, load_catalog_file, read_catalog_file

DOC = json.loads(DEMO_CATALOG.read_text(encoding="utf-8"))
CAT = parse_catalog(DOC)


def doc() -> dict:
    return copy.deepcopy(DOC)


def messages(d: dict) -> list[str]:
    return [str(e) for e in check_catalog(d).errors]


# ------------------------------------------------------------------ the demo ward


def test_demo_catalogue_is_valid_without_warnings() -> None:
    report = check_catalog(DOC)
    assert report.ok, [str(e) for e in report.errors]
    assert report.warnings == ()


def test_demo_has_at_least_25_procedures_in_at_least_6_fields() -> None:
    assert len(CAT.procedures) >= 25
    used = {p.field for p in CAT.procedures}
    assert len(used) >= 6
    assert used == {f.code for f in CAT.fields}


def test_every_demo_procedure_has_what_the_kiosk_page_shows() -> None:
    for p in CAT.procedures:
        assert p.name.vi and p.name.en, p.code
        assert p.channels, p.code
        assert p.steps and p.legal_basis and p.result.vi and p.where.vi, p.code
        assert p.subjects, p.code
        for c in p.channels:
            assert c.processing_time.unit in TimeUnit
            assert c.fee.amount_vnd >= 0
        assert CAT.service(p.service) is not None
        assert p.field in CAT.service(p.service).fields


def test_demo_text_is_nfc_vietnamese() -> None:
    raw = DEMO_CATALOG.read_text(encoding="utf-8")
    assert unicodedata.normalize("NFC", raw) == raw
    assert "Đăng ký khai sinh" in raw and "Chứng thực" in raw


def test_domain_examples_are_in_the_demo() -> None:
    birth = CAT.procedure("1.001193")
    assert birth is not None and birth.name.vi == "Đăng ký khai sinh" and birth.code_confirmed
    assert birth.channel(ChannelKind.IN_PERSON).processing_time.unit is TimeUnit.SAME_DAY
    assert birth.channel("truc_tiep").fee.amount_vnd == 0
    residence = CAT.procedure("1.004222")
    assert residence.channel("truc_tiep").fee.amount_vnd == 20000
    assert residence.channel("truc_tuyen").fee.amount_vnd == 10000
    assert residence.channel("truc_tiep").processing_time.quantity == 7
    copy_ = CAT.procedure("2.000815")
    assert copy_.channel("truc_tiep").fee.amount_vnd == 2000
    assert "200.000" in copy_.channel("truc_tiep").fee.note.vi


def test_invented_codes_are_marked_unconfirmed() -> None:
    for p in CAT.procedures:
        if p.code.startswith("9."):
            assert not p.code_confirmed and p.source_note, p.code


def test_queue_services_have_unique_prefixes_and_every_service_is_called_somewhere() -> None:
    prefixes = [s.prefix for s in CAT.services]
    assert len(prefixes) == len(set(prefixes))
    called = {cs.service for c in CAT.counters for cs in c.services}
    assert called == {s.code for s in CAT.services}


def test_load_catalog_file_gives_the_same_catalogue() -> None:
    assert load_catalog_file().procedures == CAT.procedures


# ------------------------------------------------------------------ errors with locations


def test_procedure_without_processing_time_is_an_error_at_its_location() -> None:
    d = doc()
    del d["procedures"][3]["channels"][0]["processing_time"]
    assert messages(d) == [
        "procedures[3].channels[0].processing_time: thiếu thời hạn giải quyết / missing processing time"
    ]


def test_every_error_is_reported_not_just_the_first() -> None:
    d = doc()
    d["procedures"][0]["channels"][0]["fee"]["amount_vnd"] = -2000
    d["procedures"][1]["field"] = "XYZ"
    d["procedures"][2]["service"] = "NOPE"
    d["procedures"][4]["channels"][1]["processing_time"]["unit"] = "weeks"
    d["procedures"][5]["code"] = d["procedures"][6]["code"]
    d["counters"][0]["services"]["ZZ"] = 1
    d["services"][1]["prefix"] = "A"
    errs = messages(d)
    expected = [
        "procedures[0].channels[0].fee.amount_vnd",
        "procedures[1].field",
        "procedures[2].service",
        "procedures[4].channels[1].processing_time.unit",
        "procedures[6].code",
        "counters[0].services.ZZ",
        "services[1].prefix",
    ]
    for path in expected:
        assert any(e.startswith(path + ":") for e in errs), (path, errs)
    with pytest.raises(CatalogInvalid) as info:
        parse_catalog(d)
    assert len(info.value.errors) == len(errs) >= len(expected)


def test_duplicate_codes_name_both_places() -> None:
    d = doc()
    d["procedures"][5]["code"] = d["procedures"][0]["code"]
    (err,) = messages(d)
    assert err.startswith("procedures[5].code:") and "procedures[0]" in err


def test_fee_must_be_a_whole_number_of_dong() -> None:
    d = doc()
    d["procedures"][0]["channels"][0]["fee"]["amount_vnd"] = "2.000"
    d["procedures"][1]["channels"][0]["fee"]["amount_vnd"] = 1.5
    d["procedures"][2]["channels"][0]["fee"]["amount_vnd"] = True
    errs = messages(d)
    assert len(errs) == 3 and all("amount_vnd" in e for e in errs)


def test_missing_fee_and_zero_quantity_are_errors() -> None:
    d = doc()
    del d["procedures"][0]["channels"][0]["fee"]
    d["procedures"][2]["channels"][0]["processing_time"]["quantity"] = 0
    errs = messages(d)
    assert any(e.startswith("procedures[0].channels[0].fee:") for e in errs)
    assert any(e.startswith("procedures[2].channels[0].processing_time.quantity:") for e in errs)


def test_service_that_does_not_cover_the_field_is_an_error() -> None:
    d = doc()
    d["procedures"][0]["service"] = "CT"  # a Hộ tịch procedure sent to the Chứng thực queue
    (err,) = messages(d)
    assert err.startswith("procedures[0].service:")


def test_unknown_field_in_a_service_and_bad_prefix() -> None:
    d = doc()
    d["services"][0]["fields"].append("QQ")
    d["services"][2]["prefix"] = "c1"
    errs = messages(d)
    assert any(e.startswith("services[0].fields[1]:") for e in errs)
    assert any(e.startswith("services[2].prefix:") for e in errs)


def test_document_without_any_copy_is_an_error() -> None:
    d = doc()
    d["procedures"][0]["documents"][0] = {"name": {"vi": "Giấy gì đó"}}
    (err,) = messages(d)
    assert err.startswith("procedures[0].documents[0]:")


def test_missing_names_steps_and_legal_basis() -> None:
    d = doc()
    del d["procedures"][0]["name"]["en"]
    d["procedures"][1]["steps"] = []
    del d["procedures"][2]["legal_basis"]
    errs = messages(d)
    assert any(e.startswith("procedures[0].name.en:") for e in errs)
    assert "procedures[1].steps: thiếu trình tự thực hiện / missing steps" in errs
    assert "procedures[2].legal_basis: thiếu căn cứ pháp lý / missing legal basis" in errs


def test_wrong_format_or_version_is_refused() -> None:
    d = doc()
    d["format"] = "something-else"
    d["version"] = 99
    errs = messages(d)
    assert any(e.startswith("format:") for e in errs) and any(e.startswith("version:") for e in errs)
    assert messages([]) == ["$: tài liệu phải là một đối tượng JSON / the document must be a JSON object"]


def test_json_syntax_error_has_line_and_column(tmp_path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "motcua-catalog",\n  "version": 1,,\n}', encoding="utf-8")
    report = read_catalog_file(bad)
    assert not report.ok
    assert str(report.errors[0]).startswith("bad.json:2:")
    assert not read_catalog_file(tmp_path / "none.json").ok


# ------------------------------------------------------------------ NFC


def test_nfd_text_is_normalised_and_reported_as_a_warning() -> None:
    d = doc()
    d["procedures"][0]["name"]["vi"] = unicodedata.normalize("NFD", "Đăng ký khai sinh")
    d["fields"][0]["name"]["vi"] = "  Hộ tịch  "  # whitespace is trimmed silently
    report = check_catalog(d)
    assert report.ok
    assert [w.path for w in report.warnings] == ["procedures[0].name.vi"]
    assert report.catalog.procedures[0].name.vi == "Đăng ký khai sinh"
    assert unicodedata.is_normalized("NFC", report.catalog.procedures[0].name.vi)
    assert report.catalog.fields[0].name.vi == "Hộ tịch"


def test_control_characters_are_errors() -> None:
    d = doc()
    d["procedures"][0]["result"]["vi"] = "Giấy khai sinh\x07"
    (err,) = messages(d)
    assert err.startswith("procedures[0].result.vi:")


# ------------------------------------------------------------------ fold and search


def test_fold_drops_diacritics_and_dd() -> None:
    assert fold("  Đăng KÝ   khai sinh ") == "dang ky khai sinh"
    assert fold("Chứng thực bản sao") == "chung thuc ban sao"
    assert fold(unicodedata.normalize("NFD", "Đất đai")) == "dat dai"
    assert fold("Ư Ơ Â Ê Ô Ă") == "u o a e o a"


def test_search_without_diacritics_finds_birth_registration_first() -> None:
    hits = search(CAT, "dang ky khai sinh")
    assert hits[0].code == "1.001193"
    assert hits[0].item.name.vi == "Đăng ký khai sinh"


def test_search_by_code() -> None:
    assert search(CAT, "1.001193")[0].code == "1.001193"
    assert search(CAT, "1001193")[0].code == "1.001193"
    assert {h.code for h in search(CAT, "2.000")} >= {"2.000815", "2.000884", "2.000635"}


def test_search_while_typing_keeps_the_target_near_the_top() -> None:
    target = "1.001193"
    query = "dang ky khai sinh"
    for n in range(len("dang ky kh"), len(query) + 1):
        codes = [h.code for h in search(CAT, query[:n], limit=5)]
        assert target in codes, (query[:n], codes)


def test_search_with_diacritics_and_everyday_words() -> None:
    assert search(CAT, "Chứng thực bản sao")[0].code == "2.000815"
    assert search(CAT, "sao y")[0].code == "2.000815"
    assert search(CAT, "ho khau")[0].code == "1.004222"
    assert search(CAT, "so do")[0].code == "9.000004"
    assert search(CAT, "giay phep xay dung")[0].code == "1.013225"
    assert search(CAT, "birth registration")[0].code == "1.001193"


def test_search_forgives_typos_and_words_run_together() -> None:
    # what a citizen types on the kiosk keyboard: words run together, a wrong vowel, a letter missed
    assert search(CAT, "khaisinh")[0].code == "1.001193"
    assert search(CAT, "dang ki ket hon")[0].code == "1.000894"
    assert search(CAT, "cap ban sao trch luc")[0].code == "2.000635"
    assert search(CAT, "tamtru")[0].item.name.vi.endswith("tạm trú")


def test_typo_matches_rank_after_exact_and_prefix_matches() -> None:
    exact = search(CAT, "hon nhan")
    assert exact[0].item.name.vi == "Cấp Giấy xác nhận tình trạng hôn nhân"
    assert all(h.score < exact[0].score for h in exact[1:])
    # a similar name never outranks one that holds every typed word
    fuzzy_scores = [h.score for h in exact if "hôn nhân" not in h.item.name.vi.lower()]
    assert fuzzy_scores and max(fuzzy_scores) < exact[0].score


def test_typo_tolerance_needs_a_few_letters_and_finds_nothing_for_unrelated_words() -> None:
    assert search(CAT, "ho chieu") == []  # passports are not a ward's procedure
    assert search(CAT, "kha") != []  # a prefix still works
    assert search(CAT, "khais")[0].code == "1.001193"  # "khai s…" typed without its space
    assert search(CAT, "xyzq") == []


def test_search_returns_nothing_for_nonsense_or_empty() -> None:
    assert search(CAT, "") == []
    assert search(CAT, "   ") == []
    assert search(CAT, "zzzqqq") == []


def test_search_respects_limit() -> None:
    assert len(search(CAT, "d", limit=3)) == 3


def test_index_from_plain_items_needs_no_catalogue() -> None:
    index = SearchIndex.from_items([
        ("1.001193", "Đăng ký khai sinh", "Birth registration", ["Hộ tịch"], {"code": "1.001193"}),
        ("2.000815", "Chứng thực bản sao từ bản chính", "Certified copy", ["Chứng thực"], {"code": "2.000815"}),
    ])
    assert search(index, "khai sinh")[0].item == {"code": "1.001193"}
    assert search(index, "ho tich")[0].code == "1.001193"  # field name


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(CAT.procedures), st.booleans())
def test_every_procedure_is_found_by_its_folded_name_and_by_its_code(p, strip_marks) -> None:
    name = fold(p.name.vi) if strip_marks else p.name.vi
    assert search(CAT, name, limit=3)[0].code == p.code
    assert search(CAT, p.code, limit=1)[0].code == p.code


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=30))
def test_search_never_fails_on_any_input(text) -> None:
    hits = search(CAT, text, limit=10)
    assert len(hits) <= 10
    assert all(isinstance(h.item, type(CAT.procedures[0])) for h in hits)


def test_catalog_index_is_built_once() -> None:
    fresh = parse_catalog(DOC)
    assert isinstance(fresh, Catalog)
    assert fresh.index is fresh.index
