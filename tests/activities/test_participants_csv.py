"""The CSV reader of participants: each row accepted or refused with its reason and line."""

import pytest

from activities.participants_csv import MAX_BYTES, MAX_ROWS, Row, UnreadableFile, read

COUNTRIES = {"be": "BE", "belgium": "BE", "fr": "FR", "france": "FR", "ro": "RO", "us": "US"}
# Well-formed numbers (checksums pass): a Belgian VAT number written three ways, a French one.
BE, FR = "BE0403170701", "FR26185286333"


def rows(text: str, *, taken=None, encoding="utf-8") -> list[Row]:
    return read(text.encode(encoding), countries=COUNTRIES, taken=taken or {})


def test_a_comma_file_with_header_is_read_with_normalised_numbers_and_identity_keys():
    assert rows("name,country,registration_number\n"
                "Acme SA,BE,0403.170.701\n"
                "Lumière SAS,France,FR 26 185 286 333\n") == [
        Row(line=2, name="Acme SA", country="BE", registration_number=BE, identity_key=BE),
        Row(line=3, name="Lumière SAS", country="FR", registration_number=FR, identity_key=FR),
    ]


def test_a_semicolon_file_with_a_byte_order_mark_and_other_columns_in_another_order():
    data = ("\ufeffContact;Registration number;Country;Name\r\n"
            "ana@example.org;BE0403170701;be;  Acme   SA \r\n")
    assert rows(data) == [Row(line=2, name="Acme SA", country="BE", registration_number=BE,
                              identity_key=BE)]


def test_each_refusal_names_its_reason_and_keeps_its_line():
    data = ("name,country,registration_number\n"
            ",BE,BE0403170701\n"                    # 2: no name
            "Nowhere Ltd,Narnia,12345\n"            # 3: bad country
            "No Country Ltd,,12345\n"               # 4: no country
            "Bad Digits SA,BE,BE0403170702\n"       # 5: invalid number
            "\n"                                    # 6: blank, skipped
            "Acme SA,BE,BE0403170701\n"             # 7: accepted
            "Acme again,BE,0403 170 701\n"          # 8: same enterprise as line 7
            "Taken SAS,FR,FR26185286333\n"          # 9: already a participant
            "No Number SA,BE,\n")                   # 10: number missing
    found = rows(data, taken={FR: "Lumière SAS"})
    assert [(row.line, row.error) for row in found] == [
        (2, "The name is missing."),
        (3, "“Narnia” is not a country: give its two-letter code (e.g. BE) or its English "
            "name."),
        (4, "The country is missing."),
        (5, "BE0403170702 is not a valid BE VAT number: check the digits."),
        (7, ""),
        (8, "The same enterprise as line 7 (registration number BE0403170701)."),
        (9, "Already a participant of this activity (as “Lumière SAS”)."),
        (10, "Enter the VAT number or the company registration number."),
    ]


def test_a_quoted_cell_over_two_lines_keeps_the_next_rows_line_numbers():
    found = rows('name,country,registration_number\n"Acme\nSA",BE,BE0403170701\n'
                 "Lumière SAS,FR,FR26185286333\n")
    assert [(row.line, row.name) for row in found] == [(2, "Acme SA"), (4, "Lumière SAS")]


def test_a_short_row_is_refused_for_what_it_lacks():
    assert rows("name,country,registration_number\nAcme SA\n")[0].error == (
        "The country is missing.")


@pytest.mark.parametrize(("data", "message"), [
    (b"", "The file is empty."),
    (b"\xff\xfeA\x00c\x00", "This is not a CSV text file. Save the sheet as “CSV UTF-8” and "
                            "upload that."),
    ("name,country,registration_number\nSéverine,FR,1\n".encode("latin-1"),
     "The file is not in UTF-8. Save it as “CSV UTF-8” and upload it again."),
    (b"name,land,number\nAcme,BE,1\n",
     "The first line must name the columns name, country and registration_number; missing: "
     "country, registration_number."),
    (b"x" * (MAX_BYTES + 1),
     "The file has 1,048,577 bytes; the limit is 1,048,576 bytes (1 MB). Split it into smaller "
     "files."),
])
def test_a_file_that_cannot_be_read_as_a_whole_is_refused_with_why(data, message):
    with pytest.raises(UnreadableFile) as refused:
        read(data, countries=COUNTRIES, taken={})
    assert str(refused.value) == message


def test_more_than_the_row_limit_is_refused_and_the_limit_itself_is_read():
    line = "X,US,ABC{:05d}\n"
    at_limit = "name,country,registration_number\n" + "".join(
        line.format(i) for i in range(MAX_ROWS))
    assert len(rows(at_limit)) == MAX_ROWS == 5000
    with pytest.raises(UnreadableFile) as refused:
        rows(at_limit + line.format(MAX_ROWS))
    assert str(refused.value) == "The file has more than 5,000 rows. Split it into smaller files."
