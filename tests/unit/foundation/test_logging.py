import io
import json

import structlog

from gateway.config import Settings
from gateway.logconfig import configure_logging, mask_digits


def _log_line(settings, **fields) -> str:
    buf = io.StringIO()
    configure_logging(settings, stream=buf)
    structlog.get_logger().info("debit sent", **fields)
    return buf.getvalue()


def test_account_numbers_are_masked_everywhere():
    prod = Settings().replace(gateway={"env": "production"})
    out = _log_line(prod, pay_acct="3602000109200123456", note="acct 6222021234567890123 used",
                    nested={"PayAcct": "6222000011112222"}, msg_id="20241105093015000123")
    record = json.loads(out)
    assert record["pay_acct"] == "3602***********3456"
    assert record["note"] == "acct 6222***********0123 used"
    assert record["nested"]["PayAcct"] == "6222********2222"
    assert record["msg_id"] == "20241105093015000123"  # identifiers the interface carries stay
    assert "3602000109200123456" not in out and "6222021234567890123" not in out


def test_console_in_dev_json_in_production():
    assert not _log_line(Settings(), x=1).lstrip().startswith("{")
    assert json.loads(_log_line(Settings().replace(gateway={"env": "production"}), x=1))["x"] == 1


def test_mask_leaves_short_numbers():
    assert mask_digits("amount 12345.60 on 20241105") == "amount 12345.60 on 20241105"
