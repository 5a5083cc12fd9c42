"""The masking functions themselves (gateway.logmask), as web pages and exports will call them."""

import datetime as dt
from decimal import Decimal

from gateway.logmask import is_resident_id, mask_account, mask_id_no, mask_text, mask_value


def test_mask_leaves_short_numbers():
    assert mask_text("amount 12345.60 on 20241105") == "amount 12345.60 on 20241105"
    assert mask_text("MsgNo 1001 9120 90000, serial 0000 0123") == \
        "MsgNo 1001 9120 90000, serial 0000 0123"


def test_mask_account_keeps_first_and_last_four():
    assert mask_account("3602000109200123456") == "3602***********3456"
    assert mask_account("1234") == "****"
    assert mask_account("6222-0212-3456-7890") == "6222-****-****-7890"
    assert mask_account("3602***********3456") == "3602***********3456"  # already masked


def test_mask_id_no_keeps_first_six_and_last_four():
    assert mask_id_no("11010519491231002X") == "110105********002X"
    assert mask_id_no("1234567890") == "**********"


def test_resident_id_check_digit_and_birth_date():
    assert is_resident_id("11010519491231002X") and is_resident_id("440106198506151239")
    assert not is_resident_id("440106198506151238")  # wrong check digit
    assert not is_resident_id("440106198513151236")  # month 13


def test_eighteen_digit_run_that_is_no_id_is_masked_as_an_account():
    assert mask_text("x 440106198506151238 y") == "x 4401**********1238 y"


def test_twelve_digit_runs_configured_labelled_or_in_keys_are_codes():
    assert mask_text("peer 100000000000 down", codes={"100000000000"}) == "peer 100000000000 down"
    assert mask_text("peer 100000000000 down") == "peer 1000****0000 down"
    for text in ("<SRC>244000000001</SRC>", "节点 244000000001", "tax_org_code=244000000001",
                 '"BankNo": "102581000013"', "244000000001/20261202/00000123"):
        assert mask_text(text) == text
    assert mask_text("<PayAcct>622202123456</PayAcct>") == "<PayAcct>6222****3456</PayAcct>"
    assert mask_text("codes 622202123456") == "codes 6222****3456"  # "des" inside a word


def test_labels_do_not_spare_longer_runs():
    assert mask_text("SRC 6222021234567890123") == "SRC 6222***********0123"


def test_twenty_digit_runs_msg_id_shaped_or_labelled_stay():
    assert mask_text("9003 20241105093015000123 sent") == "9003 20241105093015000123 sent"
    assert mask_text("MsgID=99991399999999999999") == "MsgID=99991399999999999999"
    assert mask_text("acct 62220212345678901234") == "acct 6222************1234"


def test_runs_longer_than_thirty_two_digits_are_not_accounts():
    run = "1" * 40
    assert mask_text(run) == run


def test_mask_value_by_field_name_and_nesting():
    value = {"PayeeAcct": ["4401000000270001"], "inner": {"id_number": "440106198506151239",
                                                         "node": "244000000009"},
             "msg_ref": "20241105093015000123", "items": ("卡 6222 0212 3456 7890",)}
    assert mask_value(value) == {
        "PayeeAcct": ["4401********0001"],
        "inner": {"id_number": "440106********1239", "node": "244000000009"},
        "msg_ref": "20241105093015000123", "items": ("卡 6222 **** **** 7890",)}


def test_mask_value_leaves_other_types_unless_their_repr_shows_a_number():
    assert mask_value(Decimal("12.30")) == Decimal("12.30")
    assert mask_value(dt.date(2024, 11, 5)) == dt.date(2024, 11, 5)
    assert mask_value(12345) == 12345
    assert mask_value(ValueError("acct 6222021234567890123")) == \
        "ValueError('acct 6222***********0123')"
    assert mask_value(622202123456789, field="card_no") == "6222*******6789"
