from gateway.domain.text import wire_text


def test_fits_free_text_to_the_wire_format():
    assert wire_text("  余额不足  ", 60) == "余额不足"
    assert wire_text("a" * 59 + " b", 60) == "a" * 59  # no trailing space after cutting
    assert wire_text("第一行\n第二行\t", 60) == "第一行 第二行"
    assert wire_text(" \x00 ", 60) is None and wire_text(None, 60) is None
    assert len(wire_text("税" * 100, 60)) == 60
