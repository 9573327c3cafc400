import { describe, expect, it } from "vitest";
import { csvCell, toCsv } from "../web/src/lib/csv";

describe("the console's CSV export", () => {
  it.each([
    ["plain text", "Ada Lovelace", "Ada Lovelace"],
    ["null", null, ""],
    ["undefined", undefined, ""],
    ["a number", 42, "42"],
    ["a list of tags", ["vip", "conference"], "vip;conference"],
    ["a comma", "Engines, Ltd", '"Engines, Ltd"'],
    ["a quote", 'The "Countess"', '"The ""Countess"""'],
    ["a line break", "line one\nline two", '"line one\nline two"'],
    ["a formula", '=HYPERLINK("http://evil.example")', '"\'=HYPERLINK(""http://evil.example"")"'],
    ["a plus", "+1 555 0100", "'+1 555 0100"],
    ["a minus", "-2+3", "'-2+3"],
    ["an at sign", "@SUM(A1)", "'@SUM(A1)"],
    ["a leading tab", "\t=1", "'\t=1"],
    ["a leading carriage return", "\r=1", '"\'\r=1"'],
    ["a formula sign inside", "a=b", "a=b"],
  ])("writes %s safely", (_name, value, cell) => {
    expect(csvCell(value)).toBe(cell);
  });

  it("writes a header row, then a row per record in the columns' order, CRLF after each", () => {
    expect(
      toCsv(
        ["first_name", "tags", "notes"],
        [
          { first_name: "Ada", tags: ["a", "b"] },
          { notes: "x,y", first_name: "=1" },
        ],
      ),
    ).toBe('first_name,tags,notes\r\nAda,a;b,\r\n\'=1,,"x,y"\r\n');
  });
});
