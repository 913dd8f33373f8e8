"""Reading raw files: encodings, separators and hostile input all end in clear Spanish messages."""

import pytest

from atalaya.analysis.problems import FileRejected
from atalaya.analysis.tabular import MAX_FIELD_CHARS, decode, read_csv_text, read_table


def test_utf8_with_bom_and_cp1252_decode_to_the_same_text():
    text = "Año,Municipio\n2025,Nezahualcóyotl\n"
    assert decode(b"\xef\xbb\xbf" + text.encode("utf-8")) == (text.encode("utf-8"), "utf-8")
    assert decode(text.encode("cp1252")) == (text.encode("utf-8"), "cp1252")


def test_binary_garbage_is_refused(tmp_path):
    path = tmp_path / "basura.csv"
    path.write_bytes(bytes(range(256)) * 50)
    with pytest.raises(FileRejected, match="no es texto"):
        read_table(path)


def test_empty_file_and_header_only(tmp_path):
    empty = tmp_path / "vacio.csv"
    empty.write_bytes(b"")
    with pytest.raises(FileRejected, match="vacío"):
        read_table(empty)
    frame = read_csv_text(b"a,b\n")
    assert frame.height == 0 and frame.columns == ["a", "b"]


def test_ragged_row_is_located_by_line_number():
    with pytest.raises(FileRejected) as info:
        read_csv_text(b"a,b\n1,2\n3,4,5\n")
    assert info.value.row == 3
    assert "fila 3" in info.value.message and "2 columnas" in info.value.message


def test_huge_field_is_refused_with_its_row():
    big = b"x" * (MAX_FIELD_CHARS + 1)
    with pytest.raises(FileRejected) as info:
        read_csv_text(b"a,b\n1,2\n3," + big + b"\n")
    assert info.value.row == 3 and info.value.column == "b"


def test_duplicate_header_is_refused():
    with pytest.raises(FileRejected, match="aparece dos veces"):
        read_csv_text("Año,año,x\n1,2,3\n".encode())


def test_semicolon_separator_is_detected():
    frame = read_csv_text(b"a;b\n1;2\n")
    assert frame.columns == ["a", "b"] and frame.row(0) == ("1", "2")


def test_wrong_extension_for_spreadsheet(tmp_path):
    path = tmp_path / "datos.xlsx"
    path.write_text("a,b\n1,2\n")
    with pytest.raises(FileRejected, match="no es un XLSX"):
        read_table(path)
