"""Art 29: what an application says — the applicant by kind (GB 11643 resident ID, GB 32100
credit code, an organisation's legal representative or contact person), contact details with
Chinese rules, the items sought, the form and delivery, oral applications; the match key."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from foi_workflow.domain.applicants import (CREDIT_CHARS, Applicant, Application, Item, credit_code_check,
                                            credit_code_ok, mask, mask_address, mask_contact, match_key,
                                            phone_ok)
from foi_workflow.domain.errors import FoiError

# real, published unified social credit codes (GB 32100-2015's own example first)
KNOWN_VALID = ["91350100M000100Y43", "914403001922038216", "9144030071526726XG",
               "91330100799655058B", "91110000802100433B"]
CODE = "91140700MA0GRXQJ7Y"
ORG = dict(kind="commercial", name="某公司", id_type="credit_code", id_number=CODE, contact_person="王经理")


def refused(field, make):
    with pytest.raises(FoiError) as exc:
        make()
    assert exc.value.field == field, exc.value.text()
    return exc.value


@pytest.mark.parametrize("code", KNOWN_VALID)
def test_credit_code_check_character_of_known_valid_codes(code):
    assert credit_code_ok(code) and credit_code_check(code[:17]) == code[17]


@pytest.mark.parametrize("code", KNOWN_VALID)
def test_credit_code_with_any_other_check_character_is_invalid(code):
    for c in CREDIT_CHARS:
        if c != code[17]:
            assert not credit_code_ok(code[:17] + c)


@given(st.text(CREDIT_CHARS, min_size=17, max_size=17))
def test_credit_code_check_character_makes_every_base_valid(base):
    assert credit_code_ok(base + credit_code_check(base))


@pytest.mark.parametrize("code", ["", "9135010OM000100Y43", "91350100M000100Y4", "91350100M000100Y44",
                                  "91350100m000100y4I"])
def test_organisation_credit_code_missing_or_invalid_refused_naming_the_field(code):
    err = refused("applicant.credit_code", lambda: Applicant(**{**ORG, "id_number": code}))
    assert "统一社会信用代码" in err.text()


def test_organisation_with_a_wrong_check_character_is_told_the_right_one():
    err = refused("applicant.credit_code", lambda: Applicant(**{**ORG, "id_number": CODE[:17] + "A"}))
    assert "校验码应为“Y”" in err.message and CODE not in err.text()  # the code is masked


def test_organisation_without_legal_representative_or_contact_person_refused():
    refused("applicant.contact_person", lambda: Applicant(**{**ORG, "contact_person": ""}))
    assert Applicant(**{**ORG, "contact_person": "", "legal_representative": "张董事"}).credit_code == CODE


def test_organisation_credit_code_is_normalised_and_may_come_as_credit_code():
    a = Applicant.of({"kind": "research", "name": "某研究所", "credit_code": " 9135 0100m000100y43 ",
                      "contact_person": "钱研究"})
    assert (a.id_type, a.id_number) == ("credit_code", "91350100M000100Y43")


def test_natural_person_resident_id_check_digit_still_checked():
    refused("applicant.id_number", lambda: Applicant("natural_person", "赵六", "resident_id", "11010519491231002Y"))
    assert Applicant("natural_person", "赵六", "resident_id", "11010519491231002x").id_number


def test_one_applicant_key_whatever_the_spacing_and_case():
    a = Applicant("natural_person", "赵六", "resident_id", "110105 1949 1231 002x")
    b = Applicant("natural_person", "赵六", "resident_id", "11010519491231002X")
    c = Applicant("natural_person", "赵六", "passport", "E 1234-5678")
    assert a.key == b.key == "resident_id:11010519491231002X"
    assert c.key == match_key("passport", "e12345678") != a.key
    assert Applicant.of({**ORG, "id_number": CODE.lower()}).key == Applicant(**ORG).key


@pytest.mark.parametrize("phone, good", [("13912345678", True), ("+86 139-1234-5678", True),
                                         ("0354-3020000", True), ("010-87654321转123", True),
                                         ("400-810-8888", True), ("12912345678", False),
                                         ("139123456", False), ("电话", False)])
def test_phone_is_a_chinese_mobile_or_landline(phone, good):
    assert phone_ok(phone) is good
    if not good:
        refused("applicant.phone", lambda: Applicant(**ORG, phone=phone))


@pytest.mark.parametrize("field, value", [("postcode", "03060"), ("postcode", "9306001"), ("postcode", "93060a"),
                                          ("email", "someone"), ("email", "a@b"), ("address", "   ")])
def test_contact_details_follow_their_rules(field, value):
    refused(f"applicant.{field}", lambda: Applicant(**ORG, **{field: value}))


def application(**kw):
    base = dict(applicant=Applicant(**ORG), items=("某地块征收补偿方案",), form="electronic",
                delivery="online", channel="online")
    return Application(**{**base, **kw})


def test_application_with_no_item_refused():
    refused("items", lambda: application(items=()))
    refused("items[2].description", lambda: application(items=("某文件", "  ")))


def test_application_items_numbered_with_their_document_numbers():
    a = application(items=(Item("某批复", "晋政函〔2020〕1号"), "某会议纪要"))
    assert a.event_data()["items"] == [{"n": 1, "description": "某批复", "document_no": "晋政函〔2020〕1号"},
                                       {"n": 2, "description": "某会议纪要"}]


@pytest.mark.parametrize("field, kw", [("form", {"form": "scroll"}), ("form", {"form": ""}),
                                       ("delivery", {"delivery": "pigeon"}),
                                       ("applicant.address", {"delivery": "post"}),
                                       ("applicant.email", {"delivery": "email"})])
def test_form_and_delivery_asked_for_are_known_and_reachable(field, kw):
    refused(field, lambda: application(**kw))


def test_oral_application_is_made_in_person_and_records_the_staff_member():
    refused("channel", lambda: application(oral=True, recorded_by="c1"))
    refused("recorded_by", lambda: application(oral=True, channel="in_person"))
    a = application(oral=True, channel="in_person", recorded_by="c1")
    assert a.event_data()["oral"] is True and a.event_data()["recorded_by"] == "c1"


def test_address_is_masked_after_its_city():
    assert mask_address("山西省晋中市榆次区顺城街1号") == "山西省晋中市********"


# ----- masking (issue 17): a short number never shows more than a third of itself ------------

def test_an_18_character_id_keeps_its_first_3_and_last_4_and_a_mobile_its_first_3_and_last_2():
    assert mask("11010519491231002X") == "110***********002X"
    assert mask_contact("13912345678") == "139******78"


@pytest.mark.parametrize("number, shown", [("12345678", "1******8"), ("123456789", "1******89"),
                                           ("1234", "***4"), ("12", "**"), ("", "")])
def test_a_short_id_number_shows_at_most_a_third_of_its_characters(number, shown):
    assert mask(number) == shown


@given(st.text(alphabet="0123456789X", max_size=30))
def test_property_masking_never_shows_more_than_a_third_of_a_short_number(number):
    masked = mask(number)
    assert len(masked) == len(number)
    visible = sum(c != "*" for c in masked)
    assert visible <= (7 if len(number) >= 18 else len(number) // 3)
    digits = "".join(c for c in number if c.isdigit())
    if len(digits) >= 7 and len(digits) == len(number):
        phone = mask_contact(number)
        assert sum(c != "*" for c in phone) <= (5 if len(digits) >= 11 else len(digits) // 3)
