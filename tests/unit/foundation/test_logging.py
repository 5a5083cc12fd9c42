"""Log lines through configure_logging: format, and masking of account and ID numbers in every
line (structlog and standard-library logging alike)."""

import io
import json
import logging

import structlog

from gateway.config import Settings
from gateway.logconfig import configure_logging

PROD = Settings().replace(gateway={"env": "production", "node": "244000000001",
                                   "ets_node": "100000000000"})


def _log_line(settings, **fields) -> str:
    buf = io.StringIO()
    configure_logging(settings, stream=buf)
    structlog.get_logger().info("debit sent", **fields)
    return buf.getvalue()


def _record(**fields) -> dict:
    return json.loads(_log_line(PROD, **fields))


def test_account_numbers_are_masked_everywhere():
    out = _log_line(PROD, pay_acct="3602000109200123456", note="acct 6222021234567890123 used",
                    nested={"PayAcct": "6222000011112222"}, msg_id="20241105093015000123")
    record = json.loads(out)
    assert record["pay_acct"] == "3602***********3456"
    assert record["note"] == "acct 6222***********0123 used"
    assert record["nested"]["PayAcct"] == "6222********2222"
    assert record["msg_id"] == "20241105093015000123"  # identifiers the interface carries stay
    assert "3602000109200123456" not in out and "6222021234567890123" not in out


def test_console_in_dev_json_in_production():
    assert not _log_line(Settings(), x=1).lstrip().startswith("{")
    assert json.loads(_log_line(PROD, x=1))["x"] == 1


def test_node_codes_in_refusal_text_stay_readable():
    record = _record(reason="SRC 244000000009 / DES 244000000002 is not ETS",
                     detail="peer 100000000000 unreachable; PayBkCode=102581000013 unknown")
    assert record["reason"] == "SRC 244000000009 / DES 244000000002 is not ETS"
    assert record["detail"] == "peer 100000000000 unreachable; PayBkCode=102581000013 unknown"


def test_twelve_digit_account_in_text_is_masked_but_labelled_code_is_not():
    record = _record(reason="acct 622202123456 refused, node 622202123456 ok")
    assert record["reason"] == "acct 6222****3456 refused, node 622202123456 ok"


def test_business_keys_and_msg_ids_in_text_stay_readable():
    text = ("dup 244000000001/20261202/00000123 and 1001:244000000009/20261202/00000124; "
            "rejected 1001 20261202093015000123")
    assert _record(event_note=text)["event_note"] == text


def test_accounts_with_separators_are_masked():
    record = _record(note="卡号 6222 0212 3456 7890 123 付款", other="6222-0212-3456-7890",
                     answers=[{"AddWord": "账号6222-0212-3456-7890不存在"}])
    assert record["note"] == "卡号 6222 **** **** ***0 123 付款"
    assert record["other"] == "6222-****-****-7890"
    assert record["answers"][0]["AddWord"] == "账号6222-****-****-7890不存在"


def test_id_numbers_are_masked_by_field_and_in_text():
    record = _record(id_no="440106198506151239", IDNo="11010519491231002X",
                     cert_no="110101490101001", reason="身份证 11010519491231002x 不符",
                     taxpayer="440106198506151239")
    assert record["id_no"] == "440106********1239"
    assert record["IDNo"] == "110105********002X"
    assert record["cert_no"] == "110101*****1001"  # a 15-digit old ID, by its field name
    assert record["reason"] == "身份证 110105********002x 不符"
    assert record["taxpayer"] == "440106********1239"  # a valid ID in text: first 6 / last 4


def test_account_fields_are_masked_whatever_their_value():
    record = _record(pay_acct=6222021234567890123, payee_acct="44010000", acct="6222 0212 3456 7890")
    assert record["pay_acct"] == "6222***********0123"
    assert record["payee_acct"] == "********"
    assert record["acct"] == "6222 **** **** 7890"


def test_tracebacks_are_masked():
    buf = io.StringIO()
    configure_logging(PROD, stream=buf)
    try:
        raise ValueError("account 6222-0212-3456-7890 frozen")
    except ValueError:
        structlog.get_logger().exception("debit failed")
    out = buf.getvalue()
    assert "6222-****-****-7890" in json.loads(out)["exception"]
    assert "0212" not in out


def test_stdlib_logging_lines_are_masked_too():
    buf = io.StringIO()
    configure_logging(PROD, stream=buf)
    logging.getLogger("gateway.x").warning("acct %s, DES %s", "6222021234567890123", "244000000002")
    record = json.loads(buf.getvalue())
    assert record["event"] == "acct 6222***********0123, DES 244000000002"
    assert record["level"] == "warning" and record["logger"] == "gateway.x"


def test_stdlib_tracebacks_are_masked():
    buf = io.StringIO()
    configure_logging(Settings(), stream=buf)
    try:
        raise RuntimeError("card 6222 0212 3456 7890 123")
    except RuntimeError:
        logging.getLogger("gateway.y").exception("channel failed")
    out = buf.getvalue()
    assert "channel failed" in out and "6222 **** **** ***0 123" in out
    assert "0212 3456" not in out
